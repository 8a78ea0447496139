import FieldModel
import FieldWire
import Foundation
import Testing

@testable import FieldNode

/// A bundle file read back as written, and refused when it changes after its verification
/// (the frames are read again by path when applied).
@Suite struct BundleFileTests {
    func write(_ path: String, frames: [[UInt8]], seal: [UInt8]) throws {
        let writer = try BundleWriter(path: path)
        var header = BundleHeader(role: .request, from: "node-0000a001", peer: "central", created: 1)
        header.manifest = .init(frames: frames.count, ops: 0, blobs: [])
        try writer.header(header)
        for frame in frames { try writer.frame(frame) }
        _ = try writer.finish(seal: seal)
    }

    @Test func aBundleReadsBackSealedAndRefusesAFrameChangedAfterItsCheck() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/b.fsb"
        let frame = Frame.encode([.pullRequest(PullRequest(cursor: [], maxOps: 10))])
        let key = BundleFile.sealKey(token: "fs_0123456789abcdef")
        try write(path, frames: [frame], seal: key)

        let file = try BundleFile.open(path)
        #expect(file.isSealed(by: key) && !file.isSealed(by: BundleFile.sealKey(token: "fs_another-token-here")))
        #expect(try file.frame(0) == frame)
        // Another file of the same length put in its place after the check: refused.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[Int(file.frames[0].lowerBound) + 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: NodeError.self) { try file.frame(0) }
    }
}
