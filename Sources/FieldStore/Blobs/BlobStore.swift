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
    /// Opens the partial blob to append at `offset`, which must be what is held; refuses
    /// while another upload of the same blob is open.
    func appender(for digest: Digest, at offset: UInt64) throws(StoreError) -> BlobAppender
    /// Verifies the partial blob; true and visible if its SHA-256 is `digest`, otherwise
    /// false with the partial data discarded.
    func finish(_ digest: Digest) throws(StoreError) -> Bool
    /// The file of a complete blob, for download.
    func completePath(of digest: Digest) -> String?
    /// Deletes unfinished uploads whose bytes last changed before `cutoff` (and none in
    /// progress); returns which.
    func dropPartials(untouchedSince cutoff: Date) -> [Digest]
}

/// Appends to one partial blob; `close()` fsyncs and releases it.
public final class BlobAppender: @unchecked Sendable {
    // Safe: used by one request handler at a time; `FileBlobStore` hands out at most one
    // appender per blob (its `busy` set), and `release` runs once, from `close`.
    private let sink: BlobSink
    private let release: @Sendable (BlobHashFollower?) -> Void
    public var written: UInt64 { sink.written }

    init(sink: BlobSink, release: @escaping @Sendable (BlobHashFollower?) -> Void) {
        self.sink = sink
        self.release = release
    }

    public func write(_ raw: UnsafeRawBufferPointer) throws(StoreError) { try sink.write(raw) }

    /// See `BlobSink.hashBeforeWrite`.
    public func hashBeforeWrite(count: Int, _ bytes: @escaping @Sendable (BlobHasher) -> Void) {
        sink.hashBeforeWrite(count: count, bytes)
    }

    /// Makes what was written durable, then lets the next upload of this blob in.
    public func close() throws(StoreError) {
        defer {
            sink.close()
            release(sink.follower)
        }
        try sink.sync()
    }
}

/// Blobs in a node's data folder: `blobs/ab/<sha256>` when complete, `partial/<sha256>`
/// while an upload is in progress.
public final class FileBlobStore: BlobStore {
    public let complete: BlobFolder
    let partialRoot: String
    private let busy = Mutex<Set<Digest>>([])
    /// What hashes each partial blob's bytes, kept between its chunks so `finish` need
    /// not read the blob back. Lost on restart; then the held bytes are read once.
    private let hashes = Mutex<[Digest: BlobHashFollower]>([:])

    public init(root: String) {
        complete = BlobFolder(root: root + "/blobs")
        partialRoot = root + "/partial"
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

    public func appender(for digest: Digest, at offset: UInt64) throws(StoreError) -> BlobAppender {
        guard busy.withLock({ $0.insert(digest).inserted }) else {
            throw StoreError(.conflictingOp, "another upload of blob \(digest.hex.prefix(12)) is in progress: retry shortly")
        }
        let release: @Sendable (BlobHashFollower?) -> Void = { [self] follower in
            hashes.withLock { $0[digest] = follower }
            _ = busy.withLock { $0.remove(digest) }
        }
        do {
            let held: UInt64
            switch try state(of: digest) {
            case .complete: throw StoreError(.conflictingOp, "blob \(digest.hex.prefix(12)) is already complete")
            case .partial(let received): held = received
            case .absent: held = 0
            }
            guard offset == held else {
                throw StoreError(.counterGap, "the node holds \(held) bytes of this blob: send from byte \(held)")
            }
            try FileManager.default.createDirectory(atPath: partialRoot, withIntermediateDirectories: true)
            let path = partialPath(digest)
            let follower = follower(of: digest, path: path, held: held)
            return BlobAppender(sink: try BlobSink(path: path, at: held, follower: follower), release: release)
        } catch let error as StoreError {
            release(nil)
            throw error
        } catch {
            release(nil)
            throw StoreError(.io, "cannot open a partial blob: \(error.localizedDescription)", underlying: error)
        }
    }

    public func finish(_ digest: Digest) throws(StoreError) -> Bool {
        guard busy.withLock({ $0.insert(digest).inserted }) else {
            throw StoreError(.conflictingOp, "an upload of blob \(digest.hex.prefix(12)) is in progress: retry shortly")
        }
        defer { _ = busy.withLock { $0.remove(digest) } }
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
            guard busy.withLock({ $0.insert(digest).inserted }) else { continue }
            defer { _ = busy.withLock { $0.remove(digest) } }
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
