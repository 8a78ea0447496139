import FieldModel
import Foundation
import NIOCore

/// The node's blobs as a depot (or a one-box central) keeps them: files in the data folder
/// (``FileBlobStore``: sendfile downloads, fsynced appends) and, in the node's SQLite store,
/// who may move them (``ReplicaStore/blobAccess(_:for:)``, possession, challenges, partial
/// owners). The blocking calls run on ``BlockingWork``'s threads.
public struct SQLiteNodeBlobStore: NodeBlobStore {
    public let store: ReplicaStore
    public let files: FileBlobStore
    /// The free space uploads leave to the op log; nil: no reserve (tests, tools).
    public let reserve: DiskReserve?

    public init(store: ReplicaStore, files: FileBlobStore, reserve: DiskReserve?) {
        self.store = store
        self.files = files
        self.reserve = reserve
    }

    /// Runs `work` on the blocking pool; a failure that is not the store's own becomes a
    /// database error (the pool was shut down: the node is stopping).
    func blocking<T: Sendable>(_ work: @escaping @Sendable () throws(StoreError) -> T) async throws(StoreError) -> T {
        do {
            return try await BlockingWork.run { try work() }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "the node's blob store could not be reached: \(error)", underlying: error)
        }
    }

    public func access(_ digest: Digest, for principal: Principal) async throws(StoreError) -> BlobAccess {
        try await blocking { [store] () throws(StoreError) in try store.blobAccess(digest, for: principal) }
    }

    public func mayDownload(_ digest: Digest, for principal: Principal) async throws(StoreError) -> Bool {
        try await blocking { [store] () throws(StoreError) in try store.mayDownload(digest, for: principal) }
    }

    public func provenTickets(_ digest: Digest, for principal: Principal) async throws(StoreError) -> [String] {
        try await blocking { [store] () throws(StoreError) in try store.provenTickets(digest, for: principal) }
    }

    public func state(of digest: Digest) async throws(StoreError) -> BlobState {
        try await blocking { [files] () throws(StoreError) in try files.state(of: digest) }
    }

    public func isUploading(_ digest: Digest, for holder: String) async throws(StoreError) -> Bool {
        // In memory, under a mutex: no blocking work.
        files.isUploading(digest, for: holder)
    }

    public func ensureRoom(for incoming: UInt64) async throws(StoreError) {
        guard let reserve else { return }
        try await blocking { () throws(StoreError) in try reserve.check(incoming) }
    }

    public func beginUpload(_ digest: Digest, at offset: UInt64, holder: String) async throws(StoreError) -> any BlobUpload {
        let appender = try await blocking { [files] () throws(StoreError) in try files.appender(for: digest, at: offset, holder: holder) }
        return FileBlobUpload(appender: appender, reserve: reserve)
    }

    public func finish(_ digest: Digest) async throws(StoreError) -> Bool {
        try await blocking { [files] () throws(StoreError) in try files.finish(digest) }
    }

    public func content(of digest: Digest) async throws(StoreError) -> BlobContent? {
        let found = try await blocking { [files] () throws(StoreError) -> (String, UInt64)? in
            guard let path = files.completePath(of: digest), case .complete(let size) = try files.state(of: digest) else { return nil }
            return (path, size)
        }
        guard let (path, size) = found else { return nil }
        return BlobContent(size: size, file: path) { offset, limit throws(StoreError) in
            try await BlockingWork.readPiece(of: path, at: offset, limit: limit)
        }
    }

    public func sweepPartials(untouchedFor age: Duration) async -> [Digest] {
        let cutoff = Date(timeIntervalSinceNow: -Double(age.components.seconds))
        return (try? await blocking { [files] in files.dropPartials(untouchedSince: cutoff) }) ?? []
    }

    public func hasPossession(_ digest: Digest, principal: String) async throws(StoreError) -> Bool {
        try await blocking { [store] () throws(StoreError) in try store.hasPossession(digest, principal: principal) }
    }

    public func recordPossession(_ digest: Digest, principal: String, now: UInt64) async throws(StoreError) {
        try await blocking { [store] () throws(StoreError) in try store.recordPossession(digest, principal: principal, now: now) }
    }

    public func openChallenge(_ digest: Digest, principal: String, nonceHash: Digest, expires: UInt64) async throws(StoreError) {
        try await blocking { [store] () throws(StoreError) in
            try store.openChallenge(digest, principal: principal, nonceHash: nonceHash, expires: expires)
        }
    }

    public func takeChallenge(_ digest: Digest, principal: String) async throws(StoreError) -> BlobChallenge? {
        try await blocking { [store] () throws(StoreError) in
            try store.takeChallenge(digest, principal: principal).map { BlobChallenge(nonceHash: $0.nonceHash, expires: $0.expires) }
        }
    }

    public func dropExpiredChallenges(now: UInt64) async throws(StoreError) {
        try await blocking { [store] () throws(StoreError) in try store.dropExpiredChallenges(now: now) }
    }

    public func claimPartial(_ digest: Digest, principal: String) async throws(StoreError) {
        try await blocking { [store] () throws(StoreError) in try store.claimPartial(digest, principal: principal) }
    }

    public func partialOwner(_ digest: Digest) async throws(StoreError) -> String? {
        try await blocking { [store] () throws(StoreError) in try store.partialOwner(digest) }
    }

    public func partials(ownedBy principal: String) async throws(StoreError) -> [Digest] {
        try await blocking { [store] () throws(StoreError) in try store.partials(ownedBy: principal) }
    }

    public func allPartials() async throws(StoreError) -> [Digest] {
        try await blocking { [store] () throws(StoreError) in try store.allPartials() }
    }

    public func forgetPartial(_ digest: Digest) async throws(StoreError) {
        try await blocking { [store] () throws(StoreError) in try store.forgetPartial(digest) }
    }
}

/// An upload into a ``FileBlobStore`` partial file: each piece hashed from memory, checked
/// against the disk reserve and written on the blocking pool; fsynced at `close`.
struct FileBlobUpload: BlobUpload {
    let appender: BlobAppender
    let reserve: DiskReserve?

    func append(_ bytes: ByteBuffer) async throws(StoreError) {
        let appender = appender
        let reserve = reserve
        do {
            try await BlockingWork.run {
                // Uploads running at once each passed the route's check: each piece checks again.
                try reserve?.check(UInt64(bytes.readableBytes))
                // Hashed from this buffer rather than read back from the file (the node holds
                // at most 8 MB of them waiting): one copy less per byte.
                appender.hashBeforeWrite(count: bytes.readableBytes) { hasher in
                    bytes.withUnsafeReadableBytes { hasher.update($0) }
                }
                try bytes.withUnsafeReadableBytes { raw throws(StoreError) in try appender.write(raw) }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "cannot write an upload: \(error)", underlying: error)
        }
    }

    func close() async throws(StoreError) {
        let appender = appender
        do {
            try await BlockingWork.run { try appender.close() }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "cannot make an upload durable: \(error)", underlying: error)
        }
    }
}

extension BlockingWork {
    /// Reads at most `limit` bytes of the file at `path` from `offset`, on the blocking pool;
    /// a file shorter than that is a damaged blob.
    static func readPiece(of path: String, at offset: UInt64, limit: Int) async throws(StoreError) -> ByteBuffer {
        do {
            return try await run { () throws(StoreError) -> ByteBuffer in
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw StoreError(.unreadableFile, "cannot open a stored blob to read it: \(String(cString: strerror(errno)))") }
                defer { Glibc.close(fd) }
                var buffer = ByteBufferAllocator().buffer(capacity: limit)
                var failure: Int32 = 0
                let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: limit) { raw in
                    var done = 0
                    while done < limit {
                        let n = pread(fd, raw.baseAddress! + done, limit - done, off_t(offset) + off_t(done))
                        if n < 0, errno == EINTR { continue }
                        if n < 0 { failure = errno }
                        guard n > 0 else { break }
                        done += n
                    }
                    return done
                }
                guard failure == 0 else { throw StoreError(.unreadableFile, "cannot read a stored blob: \(String(cString: strerror(failure)))") }
                guard read > 0 else { throw StoreError(.damaged, "a stored blob is shorter than its size: byte \(offset) is missing") }
                return buffer
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "cannot read a stored blob: \(error)", underlying: error)
        }
    }
}
