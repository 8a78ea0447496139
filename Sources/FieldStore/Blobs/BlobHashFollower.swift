import FieldModel
import Foundation

/// Hashes a blob file as it grows, on its own queue, reading back (from the page cache)
/// what a `BlobSink` wrote. Hashing then runs beside the network and disk work instead
/// of between them: on an upload it was a third of the node's time per byte.
public final class BlobHashFollower: @unchecked Sendable {
    // Safe to send: `hasher` and `failed` are touched only on `queue`; `target` only
    // under `lock`.
    static let piece = 1 << 20

    private let queue = DispatchQueue(label: "fieldsync.blob-hash")
    private let lock = NSLock()
    private let path: String
    private let hasher = BlobHasher()
    private var target: UInt64 = 0
    /// Bytes hashed or failed on, published under `lock` for `take`'s bound.
    private var settled: UInt64 = 0
    private var failed = false
    /// How far hashing may lag behind what `take` was given before it stops taking (the
    /// rest is then read back from the file): the pieces are held in memory until hashed.
    private let takeLimit: UInt64

    /// Follows the file at `path` from its first byte; `take` holds at most `holding`
    /// bytes in memory waiting to be hashed.
    public init(path: String, holding: UInt64 = 32 << 20) {
        self.path = path
        self.takeLimit = holding
    }

    /// How far the file has been announced (hashed, or queued to be).
    public var announced: UInt64 { lock.withLock { target } }

    /// The first `end` bytes of the file are written: hash them, in the background.
    public func advance(to end: UInt64) {
        let grew = lock.withLock {
            guard end > target else { return false }
            target = end
            return true
        }
        if grew { queue.async { self.catchUp(to: end) } }
    }

    /// Hashes the `count` bytes the file holds from `offset` from memory the caller still
    /// has (`bytes` feeds them to the hasher and keeps them alive until then), sparing
    /// the read back. Returns false, taking nothing, unless `offset` is exactly where
    /// the announced bytes end and hashing lags less than `takeLimit`; the bytes must be
    /// announced then (`advance`) once they are in the file.
    @discardableResult
    public func take(at offset: UInt64, count: Int, _ bytes: @escaping @Sendable (BlobHasher) -> Void) -> Bool {
        let end = offset + UInt64(count)
        let taken = lock.withLock {
            guard offset == target, target - settled < takeLimit else { return false }
            target = end
            return true
        }
        guard taken else { return false }
        queue.async {
            // Earlier work on this queue has hashed up to `offset`, or failed.
            if !self.failed, self.hasher.bytes == offset { bytes(self.hasher) } else { self.catchUp(to: end) }
            self.lock.withLock { self.settled = end }
        }
        return true
    }

    /// Waits until the first `end` bytes are hashed and returns their digest; nil if the
    /// file could not be read back (the caller reads it itself).
    public func digest(upTo end: UInt64) -> Digest? {
        advance(to: end)
        return queue.sync {
            catchUp(to: end)
            return failed || hasher.bytes != end ? nil : hasher.digest
        }
    }

    private func catchUp(to end: UInt64) {
        guard !failed, hasher.bytes < end else { return }
        // The descriptor and buffer live only while there is something to read: a node
        // keeps a follower per unfinished upload, and some are never finished.
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.piece, alignment: 16)
        defer {
            if fd >= 0 { close(fd) }
            buffer.deallocate()
        }
        while fd >= 0, hasher.bytes < end {
            let want = Int(min(UInt64(Self.piece), end - hasher.bytes))
            let n = pread(fd, buffer.baseAddress, want, off_t(hasher.bytes))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        if hasher.bytes < end { failed = true }
        lock.withLock { settled = max(settled, end) }
    }
}
