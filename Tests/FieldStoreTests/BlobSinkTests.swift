import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import Testing

/// A blob written piece by piece (as a network delivers it) is hashed beside the writes;
/// the digest must be the SHA-256 of exactly the bytes in the file.
@Suite struct BlobSinkTests {
    static func randomBytes(_ count: Int, _ rng: inout SeededRandom) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    /// Writes `bytes` in random pieces, resuming in a new sink (a new request) at random
    /// points with the same follower, as uploads over a breaking link do.
    static func writeInPieces(_ bytes: [UInt8], path: String, rng: inout SeededRandom) throws -> BlobHashFollower {
        let follower = BlobHashFollower(path: path)
        var at = 0
        var sink = try BlobSink(path: path, at: 0, follower: follower)
        while at < bytes.count {
            let n = min(bytes.count - at, Int(rng.next() % 100_000) + 1)
            try bytes[at..<(at + n)].withUnsafeBytes { try sink.write($0) }
            at += n
            if rng.next() % 4 == 0 {
                try sink.sync()
                sink.close()
                sink = try BlobSink(path: path, at: UInt64(at), follower: follower)
                #expect(sink.follower === follower, "a sink resuming where the follower stands keeps it")
            }
        }
        try sink.sync()
        sink.close()
        return follower
    }

    @Test("pieces of any size, across several requests, hash to the SHA-256 of the file (100 seeds)")
    func digestMatchesTheFile() throws {
        let dir = try TempFolder("sink")
        for seed in 1...100 as ClosedRange<UInt64> {
            var rng = SeededRandom(seed: seed)
            let bytes = Self.randomBytes(Int(rng.next() % 800_000), &rng)
            let path = dir.path + "/blob-\(seed)"
            let follower = try Self.writeInPieces(bytes, path: path, rng: &rng)
            #expect(follower.digest(upTo: UInt64(bytes.count)) == SHA256.hash(bytes), "seed \(seed)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes), "seed \(seed)")
        }
    }

    @Test("a follower asked for more than the file holds answers nil, not a wrong digest")
    func shortFileIsNoDigest() throws {
        let dir = try TempFolder("sink-short")
        let path = dir.path + "/blob"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        #expect(BlobHashFollower(path: path).digest(upTo: 10) == nil)
        #expect(BlobHashFollower(path: dir.path + "/missing").digest(upTo: 1) == nil)
        #expect(BlobHashFollower(path: path).digest(upTo: 3) == SHA256.hash([1, 2, 3]))
    }

    @Test("a sink opened where its follower does not stand drops it (the caller re-reads)")
    func mismatchedFollowerIsDropped() throws {
        let dir = try TempFolder("sink-mismatch")
        let path = dir.path + "/blob"
        try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: path))
        let follower = BlobHashFollower(path: path)
        follower.advance(to: 500)
        let sink = try BlobSink(path: path, at: 1000, follower: follower)
        #expect(sink.follower == nil)
        sink.close()
    }

    @Test("opening at an offset truncates what lies beyond it: only held bytes count")
    func offsetTruncates() throws {
        let dir = try TempFolder("sink-truncate")
        let path = dir.path + "/blob"
        try Data(repeating: 9, count: 1000).write(to: URL(fileURLWithPath: path))
        let sink = try BlobSink(path: path, at: 400, follower: nil)
        try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try sink.write($0) }
        try sink.sync()
        sink.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(repeating: 9, count: 400) + Data(repeating: 1, count: 10))
    }

    @Test("a sink that cannot open its file is a clear io error")
    func unopenableIsAnError() {
        do {
            _ = try BlobSink(path: "/nonexistent/dir/blob", at: 0, follower: nil)
            Issue.record("opened a file in a missing folder")
        } catch {
            #expect(error.code == .io)
            #expect(error.message.contains("/nonexistent/dir/blob"))
        }
    }
}
