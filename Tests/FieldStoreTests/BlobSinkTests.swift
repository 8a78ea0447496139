import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import Testing

/// A blob written piece by piece (as a network delivers it) is hashed beside the writes;
/// the digest must be the SHA-256 of exactly the bytes in the file.
@Suite struct BlobSinkTests {
    static func randomBytes(_ count: Int, _ rng: inout SeededRandom) -> [UInt8] {
        var words = (0..<(count + 7) / 8).map { _ in rng.next() }
        return words.withUnsafeMutableBytes { Array($0.prefix(count)) }
    }

    /// Writes `bytes` in random pieces, resuming in a new sink (a new request) at random
    /// points with the same follower, as uploads over a breaking link do.
    /// With `offering`, some pieces are also offered to the hasher from memory first
    /// (`hashBeforeWrite`), as network buffers are; a follower holding at most `holding`
    /// bytes turns some offers down, and those bytes are read back instead.
    static func writeInPieces(
        _ bytes: [UInt8], path: String, rng: inout SeededRandom, offering: Bool = false, holding: UInt64 = 32 << 20
    ) throws -> BlobHashFollower {
        let follower = BlobHashFollower(path: path, holding: holding)
        var at = 0
        var sink = try BlobSink(path: path, at: 0, follower: follower)
        while at < bytes.count {
            let n = min(bytes.count - at, Int(rng.next() % 100_000) + 1)
            let piece = Array(bytes[at..<(at + n)])
            if offering, rng.next() % 3 != 0 {
                sink.hashBeforeWrite(count: n) { hasher in piece.withUnsafeBytes { hasher.update($0) } }
            }
            try piece.withUnsafeBytes { try sink.write($0) }
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

    @Test("pieces hashed from memory, some offers refused and read back instead, hash to the SHA-256 of the file (60 seeds)")
    func offeredPiecesMatchTheFile() throws {
        let dir = try TempFolder("sink-offer")
        for seed in 1...60 as ClosedRange<UInt64> {
            var rng = SeededRandom(seed: seed)
            let bytes = Self.randomBytes(Int(rng.next() % 3_000_000), &rng)
            let path = dir.path + "/blob-\(seed)"
            // 64 KB to 1 MB held: small enough that a lagging hash turns offers down.
            let holding = UInt64(64 << 10) + rng.next() % (1 << 20)
            let follower = try Self.writeInPieces(bytes, path: path, rng: &rng, offering: true, holding: holding)
            #expect(follower.digest(upTo: UInt64(bytes.count)) == SHA256.hash(bytes), "seed \(seed)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes), "seed \(seed)")
        }
    }

    @Test("an offer anywhere but where the announced bytes end is refused")
    func offerOutOfPlaceIsRefused() throws {
        let dir = try TempFolder("sink-offer-place")
        let path = dir.path + "/blob"
        try Data(repeating: 5, count: 100).write(to: URL(fileURLWithPath: path))
        let follower = BlobHashFollower(path: path)
        follower.advance(to: 50)
        let wrong: @Sendable (BlobHasher) -> Void = { $0.update([UInt8](repeating: 0, count: 50)) }
        #expect(!follower.take(at: 40, count: 50, wrong), "behind the announced end")
        #expect(!follower.take(at: 60, count: 40, wrong), "past it: the bytes between would be skipped")
        #expect(follower.take(at: 50, count: 50) { $0.update([UInt8](repeating: 5, count: 50)) })
        #expect(follower.digest(upTo: 100) == SHA256.hash([UInt8](repeating: 5, count: 100)))
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
