import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import Testing

/// The node's blob store: chunks appended at what is held, durable, verified at finish.
@Suite struct FileBlobStoreTests {
    static let bytes: [UInt8] = {
        var rng = SeededRandom(seed: 14)
        return (0..<2_500_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }()
    static var digest: Digest { SHA256.hash(bytes) }

    func append(_ store: FileBlobStore, _ range: Range<Int>) throws {
        let appender = try store.appender(for: Self.digest, at: UInt64(range.lowerBound))
        try Self.bytes[range].withUnsafeBytes { try appender.write($0) }
        try appender.close()
    }

    @Test("chunks in several uploads, then finish: the blob is complete and byte-exact")
    func chunksThenFinish() throws {
        let dir = try TempFolder("blobstore")
        let store = FileBlobStore(root: dir.path)
        #expect(try store.state(of: Self.digest) == .absent)
        try append(store, 0..<1_000_000)
        #expect(try store.state(of: Self.digest) == .partial(received: 1_000_000))
        try append(store, 1_000_000..<2_500_000)
        #expect(try store.finish(Self.digest))
        #expect(try store.state(of: Self.digest) == .complete(size: 2_500_000))
        let path = try #require(store.completePath(of: Self.digest))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(Self.bytes))
    }

    @Test("a node restarted mid-upload (no hash in memory) still verifies the whole blob")
    func restartMidUpload() throws {
        let dir = try TempFolder("blobstore-restart")
        try append(FileBlobStore(root: dir.path), 0..<700_000)
        let restarted = FileBlobStore(root: dir.path)
        try append(restarted, 700_000..<2_500_000)
        #expect(try restarted.finish(Self.digest))
        #expect(try FileBlobStore(root: dir.path).state(of: Self.digest) == .complete(size: 2_500_000))
    }

    @Test("bytes that do not hash to the name are discarded at finish; nothing is visible")
    func mismatchIsDiscarded() throws {
        let dir = try TempFolder("blobstore-bad")
        let store = FileBlobStore(root: dir.path)
        let appender = try store.appender(for: Self.digest, at: 0)
        var wrong = Self.bytes
        wrong[1_234_567] ^= 1
        try wrong.withUnsafeBytes { try appender.write($0) }
        try appender.close()
        #expect(try store.finish(Self.digest) == false)
        #expect(try store.state(of: Self.digest) == .absent)
        #expect(store.completePath(of: Self.digest) == nil)
    }

    @Test("an upload must start at what the node holds, and only one at a time")
    func offsetsAndExclusivity() throws {
        let dir = try TempFolder("blobstore-offsets")
        let store = FileBlobStore(root: dir.path)
        try append(store, 0..<1000)
        do {
            _ = try store.appender(for: Self.digest, at: 0)
            Issue.record("accepted a chunk at 0 when 1000 bytes are held")
        } catch {
            #expect(error.code == .wrongOffset)
            #expect(error.message.contains("1000"))
        }
        let open = try store.appender(for: Self.digest, at: 1000)
        do {
            _ = try store.appender(for: Self.digest, at: 1000)
            Issue.record("two uploads of one blob at once")
        } catch {
            #expect(error.code == .uploadBusy)
        }
        try open.close()
        try append(store, 1000..<2_500_000)
        #expect(try store.finish(Self.digest))
    }
}

/// Upload leases: an upload that stops sending loses its blob to a newer upload, and
/// cannot write into it afterwards (H2: a dead link locked a photo).
@Suite struct UploadLeaseStoreTests {
    // Wide margins: tests run beside many others on a loaded machine (a 2 s idle time was
    // once passed between two statements on a 2-core machine running CI and campaigns).
    static let idleOnly = UploadLease.Policy(idle: .seconds(6), expiry: .seconds(3600))
    static let expiring = UploadLease.Policy(idle: .seconds(1), expiry: .seconds(1))

    @Test("the same principal takes over an idle upload; the old writer's bytes are refused and the blob verifies")
    func samePrincipalTakesOverIdle() throws {
        let dir = try TempFolder("blobstore-lease")
        let store = FileBlobStore(root: dir.path, leases: Self.idleOnly)
        let bytes = FileBlobStoreTests.bytes
        let stalled = try store.appender(for: FileBlobStoreTests.digest, at: 0, holder: "E17")
        try bytes[0..<300_000].withUnsafeBytes { try stalled.write($0) }
        // Live: refused, for the same principal too.
        #expect(throws: StoreError.self) { try store.appender(for: FileBlobStoreTests.digest, at: 300_000, holder: "E17") }
        // What a status tells a client before it sends a chunk that would be refused.
        #expect(store.isUploading(FileBlobStoreTests.digest, for: "E17"))
        #expect(store.isUploading(FileBlobStoreTests.digest, for: "E18"))
        #expect(!store.isUploading(SHA256.hash([1, 2, 3]), for: "E17"))
        Thread.sleep(forTimeInterval: 6.3)
        // Idle: another principal still waits for the expiry, the same one takes it over.
        #expect(!store.isUploading(FileBlobStoreTests.digest, for: "E17"))
        #expect(store.isUploading(FileBlobStoreTests.digest, for: "E18"))
        #expect(throws: StoreError.self) { try store.appender(for: FileBlobStoreTests.digest, at: 300_000, holder: "E18") }
        #expect(try store.state(of: FileBlobStoreTests.digest) == .partial(received: 300_000))
        let fresh = try store.appender(for: FileBlobStoreTests.digest, at: 300_000, holder: "E17")
        // The old writer wakes: refused, and it leaves the file alone.
        do {
            try [UInt8](repeating: 0xEE, count: 5_000).withUnsafeBytes { try stalled.write($0) }
            Issue.record("a revoked upload wrote into the blob")
        } catch let error as StoreError {
            #expect(error.code == .uploadBusy)
            #expect(error.message.contains("took it over"))
        }
        try bytes[300_000...].withUnsafeBytes { try fresh.write($0) }
        try stalled.close()
        try fresh.close()
        #expect(try store.finish(FileBlobStoreTests.digest))
        let path = try #require(store.completePath(of: FileBlobStoreTests.digest))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
    }

    @Test("an expired upload is taken over by anyone; a late close of the old one releases nothing")
    func expiredTakenByAnyone() throws {
        let dir = try TempFolder("blobstore-lease-expiry")
        let store = FileBlobStore(root: dir.path, leases: Self.expiring)
        let digest = FileBlobStoreTests.digest
        let stalled = try store.appender(for: digest, at: 0, holder: "E17")
        try FileBlobStoreTests.bytes[0..<1000].withUnsafeBytes { try stalled.write($0) }
        Thread.sleep(forTimeInterval: 1.2)
        let other = try store.appender(for: digest, at: 1000, holder: "dispatch")
        try stalled.close()
        // The takeover still holds the blob: the old close gave back nothing.
        #expect(throws: StoreError.self) { try store.appender(for: digest, at: 1000, holder: "E17") }
        try other.close()
        #expect(try store.state(of: digest) == .partial(received: 1000))
    }
}

/// Abandoned uploads: only those untouched since the cutoff go, never one in progress.
@Suite struct PartialExpiryTests {
    @Test("partials untouched before the cutoff are deleted; newer ones and an open upload stay")
    func dropsOnlyOldPartials() throws {
        let dir = try TempFolder("blobstore-expiry")
        let store = FileBlobStore(root: dir.path)
        let old = SHA256.hash(Array("old".utf8))
        let open = SHA256.hash(Array("open".utf8))
        let fresh = SHA256.hash(Array("fresh".utf8))
        for digest in [old, open, fresh] {
            let a = try store.appender(for: digest, at: 0)
            try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try a.write($0) }
            try a.close()
        }
        let past = Date(timeIntervalSinceNow: -3600)
        for digest in [old, open] {
            try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: dir.path + "/partial/\(digest.hex)")
        }
        let busy = try store.appender(for: open, at: 10)
        #expect(store.dropPartials(untouchedSince: Date(timeIntervalSinceNow: -60)) == [old])
        try busy.close()
        #expect(try store.state(of: old) == .absent)
        #expect(try store.state(of: open) == .partial(received: 10))
        #expect(try store.state(of: fresh) == .partial(received: 10))
        // A stray file that is not a blob name is left alone.
        try Data([1]).write(to: URL(fileURLWithPath: dir.path + "/partial/not-a-digest"))
        #expect(store.dropPartials(untouchedSince: Date()).count == 2)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/partial/not-a-digest"))
    }
}
