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
}

/// Appends to one partial blob; `close()` fsyncs and releases it.
public final class BlobAppender: @unchecked Sendable {
    // Safe: used by one request handler at a time; `FileBlobStore` hands out at most one
    // appender per blob (its `busy` set), and `release` runs once, from `close`.
    private let handle: FileHandle
    private let release: @Sendable () -> Void
    public private(set) var written: UInt64

    init(handle: FileHandle, offset: UInt64, release: @escaping @Sendable () -> Void) {
        self.handle = handle
        self.written = offset
        self.release = release
    }

    public func write(_ bytes: some DataProtocol) throws(StoreError) {
        do { try handle.write(contentsOf: bytes) } catch {
            throw StoreError(.io, "cannot write a blob chunk: \(error.localizedDescription)", underlying: error)
        }
        written += UInt64(bytes.count)
    }

    /// Makes what was written durable, then lets the next upload of this blob in.
    public func close() throws(StoreError) {
        defer {
            try? handle.close()
            release()
        }
        do { try handle.synchronize() } catch {
            throw StoreError(.io, "cannot make a blob chunk durable: \(error.localizedDescription)", underlying: error)
        }
    }
}

/// Blobs in a node's data folder: `blobs/ab/<sha256>` when complete, `partial/<sha256>`
/// while an upload is in progress.
public final class FileBlobStore: BlobStore {
    public let complete: BlobFolder
    let partialRoot: String
    private let busy = Mutex<Set<Digest>>([])

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
        let release: @Sendable () -> Void = { [self] in _ = self.busy.withLock { $0.remove(digest) } }
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
            if held == 0 { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: path) else { throw StoreError(.io, "cannot open \(path) for writing") }
            try handle.seekToEnd()
            return BlobAppender(handle: handle, offset: held, release: release)
        } catch let error as StoreError {
            release()
            throw error
        } catch {
            release()
            throw StoreError(.io, "cannot open a partial blob: \(error.localizedDescription)", underlying: error)
        }
    }

    public func finish(_ digest: Digest) throws(StoreError) -> Bool {
        guard busy.withLock({ $0.insert(digest).inserted }) else {
            throw StoreError(.conflictingOp, "an upload of blob \(digest.hex.prefix(12)) is in progress: retry shortly")
        }
        defer { _ = busy.withLock { $0.remove(digest) } }
        if case .complete = try state(of: digest) { return true }
        let path = partialPath(digest)
        guard let input = FileHandle(forReadingAtPath: path) else { return false }
        var hasher = BlobHasher()
        do {
            while let chunk = try input.read(upToCount: BlobFolder.chunkSize), !chunk.isEmpty { hasher.update(chunk) }
            try input.close()
        } catch {
            throw StoreError(.io, "cannot read the partial blob: \(error.localizedDescription)", underlying: error)
        }
        guard hasher.finalize() == digest else {
            try? FileManager.default.removeItem(atPath: path)
            return false
        }
        let final = complete.path(for: digest)
        let dir = (final as NSString).deletingLastPathComponent
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw StoreError(.io, "cannot create \(dir): \(error.localizedDescription)", underlying: error)
        }
        guard rename(path, final) == 0 else { throw StoreError(.io, "cannot move a verified blob into \(dir): errno \(errno)") }
        BlobFolder.syncDirectory(dir)
        return true
    }

    public func completePath(of digest: Digest) -> String? {
        let p = complete.path(for: digest)
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }
}
