import FieldModel
import Foundation
import Synchronization

/// What a node holds of a blob.
public enum BlobState: Sendable, Equatable {
    /// Whole, verified, visible.
    case complete(size: UInt64)
    /// An upload in progress: the first `received` bytes are durable.
    case partial(received: UInt64)
    case absent
}

/// Where a node keeps blobs, by SHA-256. Uploads append to a partial blob, each chunk
/// fsynced before it is acknowledged; `finish` verifies the hash before the blob becomes
/// visible. A store a PostgreSQL-backed node can share (M9) implements the same.
public protocol BlobStore: Sendable {
    func state(of digest: Digest) throws(StoreError) -> BlobState
    /// Opens the partial blob to append at `offset`, which must be what is held, under an
    /// upload lease for `holder` (a principal's name): refused while another upload holds a
    /// live lease on the blob; an idle or expired one is taken over (`UploadLease`).
    func appender(for digest: Digest, at offset: UInt64, holder: String) throws(StoreError) -> BlobAppender
    /// Whether another upload holds a live lease on the blob that `holder`'s new upload
    /// could not take over now: its `appender` would be refused.
    func isUploading(_ digest: Digest, for holder: String) -> Bool
    /// Verifies the partial blob; true and visible if its SHA-256 is `digest`, otherwise
    /// false with the partial data discarded.
    func finish(_ digest: Digest) throws(StoreError) -> Bool
    /// The file of a complete blob, for download.
    func completePath(of digest: Digest) -> String?
    /// Deletes unfinished uploads whose bytes last changed before `cutoff` (and none in
    /// progress); returns which.
    func dropPartials(untouchedSince cutoff: Date) -> [Digest]
}

extension BlobStore {
    /// An upload with no principal to name (tools, tests): it may take over only an
    /// expired lease, or an idle one of another anonymous upload.
    public func appender(for digest: Digest, at offset: UInt64) throws(StoreError) -> BlobAppender {
        try appender(for: digest, at: offset, holder: "")
    }
}

/// The right of one upload request to append to a partial blob, for as long as bytes keep
/// arriving.
///
/// An upload used to hold its blob until its connection ended; a link that dies without a
/// FIN or RST reaching the node (a phone out of coverage) left the connection, and so the
/// blob, held until the kernel gave up on it (minutes; never without keep-alive), and every
/// later sync of that photo, on a good link too, was refused as "in progress". A lease is
/// held only while bytes arrive: after `Policy.idle` without a byte, the same principal may
/// take it over (a device that starts a new upload has given up on the old one, and its
/// client gives up after 20 s without progress); after `Policy.expiry`, anyone may (the
/// node's idle timeout for a request body, SPEC §7). The old writer, if it ever wakes,
/// finds its lease revoked: its writes are refused before they reach the file, so it
/// cannot corrupt what the new upload appends.
///
/// Thread-safety: all state is behind one `Mutex`; `write` holds it across the write, so
/// a takeover waits for a write in progress and never sees half of one.
public final class UploadLease: Sendable {
    /// How long a lease lives without bytes arriving.
    public struct Policy: Sendable {
        /// Idle this long, the same principal's new upload takes the lease over.
        public var idle: Duration
        /// Idle this long, any upload of the blob takes it over.
        public var expiry: Duration

        public init(idle: Duration = .seconds(10), expiry: Duration = .seconds(30)) {
            self.idle = idle
            self.expiry = expiry
        }
    }

    struct State {
        var revoked = false
        var lastByte: ContinuousClock.Instant
    }

    let holder: String
    let state: Mutex<State>

    init(holder: String) {
        self.holder = holder
        self.state = Mutex(State(lastByte: .now))
    }

    /// Whether `holder`'s new upload may take this lease over now, under `policy`.
    func mayBeTakenOver(by holder: String, _ policy: Policy) -> Bool {
        let idle = state.withLock { ContinuousClock.now - $0.lastByte }
        return idle >= policy.expiry || (holder == self.holder && idle >= policy.idle)
    }

    /// Ends the lease: later writes of its holder are refused.
    func revoke() { state.withLock { $0.revoked = true } }

    var isRevoked: Bool { state.withLock { $0.revoked } }

    /// Runs `write` if the lease still holds, counting it as bytes arriving.
    func write(_ digest: Digest, _ write: () throws(StoreError) -> Void) throws(StoreError) {
        let result: Result<Void, StoreError> = state.withLock { state in
            guard !state.revoked else {
                return .failure(StoreError(.uploadBusy, "this upload of blob \(digest.hex.prefix(12)) stalled and a newer one took it over: its bytes are refused"))
            }
            state.lastByte = .now
            return Result { () throws(StoreError) in try write() }
        }
        try result.get()
    }
}

/// Appends to one partial blob; `close()` fsyncs and releases it.
public final class BlobAppender: @unchecked Sendable {
    // Safe: used by one request handler at a time; `FileBlobStore` hands out one live
    // lease per blob, and `release` runs once, from `close`.
    private let sink: BlobSink
    private let release: @Sendable (BlobHashFollower?) -> Void
    let lease: UploadLease
    let digest: Digest
    public var written: UInt64 { sink.written }

    init(sink: BlobSink, digest: Digest, lease: UploadLease, release: @escaping @Sendable (BlobHashFollower?) -> Void) {
        self.sink = sink
        self.digest = digest
        self.lease = lease
        self.release = release
    }

    /// Appends `raw`; refused (`uploadBusy`) once a newer upload took the lease over.
    public func write(_ raw: UnsafeRawBufferPointer) throws(StoreError) {
        try lease.write(digest) { () throws(StoreError) in try sink.write(raw) }
    }

    /// See `BlobSink.hashBeforeWrite`.
    public func hashBeforeWrite(count: Int, _ bytes: @escaping @Sendable (BlobHasher) -> Void) {
        sink.hashBeforeWrite(count: count, bytes)
    }

    /// Makes what was written durable, then lets the next upload of this blob in. After a
    /// takeover the file is the new upload's: nothing of this one is synced or kept.
    public func close() throws(StoreError) {
        defer {
            sink.close()
            release(lease.isRevoked ? nil : sink.follower)
        }
        guard !lease.isRevoked else { return }
        try sink.sync()
    }
}

/// Blobs in a node's data folder: `blobs/ab/<sha256>` when complete, `partial/<sha256>`
/// while an upload is in progress.
public final class FileBlobStore: BlobStore {
    public let complete: BlobFolder
    let partialRoot: String
    /// The upload (or finish) that holds each blob now.
    private let leases = Mutex<[Digest: UploadLease]>([:])
    let policy: UploadLease.Policy
    /// What hashes each partial blob's bytes, kept between its chunks so `finish` need
    /// not read the blob back. Lost on restart; then the held bytes are read once.
    private let hashes = Mutex<[Digest: BlobHashFollower]>([:])

    public init(root: String, leases policy: UploadLease.Policy = UploadLease.Policy()) {
        complete = BlobFolder(root: root + "/blobs")
        partialRoot = root + "/partial"
        self.policy = policy
    }

    /// Takes the blob's lease for `holder`: free, or taken over from an idle or expired
    /// holder (revoked, so its writes stop); nil while another upload holds it.
    private func lease(_ digest: Digest, for holder: String) -> UploadLease? {
        leases.withLock { leases in
            if let held = leases[digest] {
                guard held.mayBeTakenOver(by: holder, policy) else { return nil }
                // Waits for a write of the old holder in progress, so the file ends where
                // its last whole write ended; `state(of:)` then says where to go on.
                held.revoke()
            }
            let lease = UploadLease(holder: holder)
            leases[digest] = lease
            return lease
        }
    }

    public func isUploading(_ digest: Digest, for holder: String) -> Bool {
        leases.withLock { leases in leases[digest].map { !$0.mayBeTakenOver(by: holder, policy) } ?? false }
    }

    /// Gives the blob back, if `lease` still holds it.
    private func end(_ lease: UploadLease, of digest: Digest) {
        leases.withLock { leases in
            if leases[digest] === lease { leases[digest] = nil }
        }
    }

    func partialPath(_ d: Digest) -> String { "\(partialRoot)/\(d.hex)" }

    public func state(of digest: Digest) throws(StoreError) -> BlobState {
        let fm = FileManager.default
        if let attrs = try? fm.attributesOfItem(atPath: complete.path(for: digest)), let size = attrs[.size] as? NSNumber {
            return .complete(size: size.uint64Value)
        }
        if let attrs = try? fm.attributesOfItem(atPath: partialPath(digest)), let size = attrs[.size] as? NSNumber {
            return .partial(received: size.uint64Value)
        }
        return .absent
    }

    public func appender(for digest: Digest, at offset: UInt64, holder: String) throws(StoreError) -> BlobAppender {
        guard let lease = lease(digest, for: holder) else {
            throw StoreError(
                .uploadBusy,
                "another upload of blob \(digest.hex.prefix(12)) is in progress: retry in \(policy.idle.components.seconds) s (an upload that stalls loses the blob then)")
        }
        let release: @Sendable (BlobHashFollower?) -> Void = { [self] follower in
            // A revoked upload leaves the hash to the one that took over.
            if !lease.isRevoked { hashes.withLock { $0[digest] = follower } }
            end(lease, of: digest)
        }
        do {
            let held: UInt64
            switch try state(of: digest) {
            case .complete: throw StoreError(.blobComplete, "blob \(digest.hex.prefix(12)) is already complete")
            case .partial(let received): held = received
            case .absent: held = 0
            }
            guard offset == held else {
                throw StoreError(.wrongOffset, "the node holds \(held) bytes of this blob: send from byte \(held)")
            }
            try FileManager.default.createDirectory(atPath: partialRoot, withIntermediateDirectories: true)
            let path = partialPath(digest)
            let follower = follower(of: digest, path: path, held: held)
            return BlobAppender(sink: try BlobSink(path: path, at: held, follower: follower), digest: digest, lease: lease, release: release)
        } catch let error as StoreError {
            release(nil)
            throw error
        } catch {
            release(nil)
            throw StoreError(.io, "cannot open a partial blob: \(error.localizedDescription)", underlying: error)
        }
    }

    public func finish(_ digest: Digest) throws(StoreError) -> Bool {
        // Only an expired upload is taken over here: finishing is not uploading, and any
        // principal may ask to finish.
        guard let lease = lease(digest, for: "\u{0}finish") else {
            throw StoreError(.uploadBusy, "an upload of blob \(digest.hex.prefix(12)) is in progress: retry shortly")
        }
        defer { end(lease, of: digest) }
        let state = try state(of: digest)
        guard case .partial(let held) = state else { return state != .absent }
        let path = partialPath(digest)
        guard let hashed = follower(of: digest, path: path, held: held).digest(upTo: held) else {
            throw StoreError(.io, "cannot read back the partial blob \(digest.hex.prefix(12)) to verify it")
        }
        guard hashed == digest else {
            try? FileManager.default.removeItem(atPath: path)
            return false
        }
        try complete.moveIn(path, as: digest)
        return true
    }

    /// The follower that hashed this upload so far, if it has seen all `held` bytes;
    /// otherwise a new one that starts reading them (after a restart, or a failed write).
    private func follower(of digest: Digest, path: String, held: UInt64) -> BlobHashFollower {
        if let known = hashes.withLock({ $0.removeValue(forKey: digest) }), known.announced == held { return known }
        // A node holds an upload's pieces a little while for hashing, not tens of MB.
        let follower = BlobHashFollower(path: path, holding: 8 << 20)
        follower.advance(to: held)
        return follower
    }

    public func dropPartials(untouchedSince cutoff: Date) -> [Digest] {
        let fm = FileManager.default
        var dropped: [Digest] = []
        for name in (try? fm.contentsOfDirectory(atPath: partialRoot)) ?? [] {
            guard let digest = Digest(hex: name) else { continue }
            let path = partialPath(digest)
            guard let touched = (try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date, touched < cutoff else { continue }
            // An upload open on it now is not abandoned (and holds its file).
            guard let lease = lease(digest, for: "\u{0}sweep") else { continue }
            defer { end(lease, of: digest) }
            if (try? fm.removeItem(atPath: path)) != nil {
                _ = hashes.withLock { $0.removeValue(forKey: digest) }
                dropped.append(digest)
            }
        }
        return dropped
    }

    public func completePath(of digest: Digest) -> String? {
        let p = complete.path(for: digest)
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }
}
