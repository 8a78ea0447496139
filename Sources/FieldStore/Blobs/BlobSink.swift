import CFileSync
import FieldModel
import Foundation

/// Writes a blob file through its descriptor, straight from the caller's buffer (no
/// copies on the way to the kernel), announcing each MB written to a hash follower.
/// Writeback to disk starts every few MB, so the fsync before an acknowledgement waits
/// for the tail only, not the whole chunk.
public final class BlobSink {
    static let writebackStep: UInt64 = 4 << 20
    static let announceStep: UInt64 = 1 << 20

    private var fd: Int32
    let path: String
    /// Hashes what is written; nil after a failed write (the file may then hold bytes it
    /// was never told of).
    public private(set) var follower: BlobHashFollower?
    /// The file's length: bytes held before plus bytes written.
    public private(set) var written: UInt64
    private var writebackFrom: UInt64
    private var announced: UInt64

    /// Opens `path` (created if absent) to append at `offset`, which is where the file
    /// ends; `follower` follows this file and has been told of those first `offset` bytes.
    public init(path: String, at offset: UInt64, follower: BlobHashFollower?) throws(StoreError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError(.io, "cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
        guard ftruncate(fd, off_t(offset)) == 0, lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
            let code = errno
            Glibc.close(fd)
            throw Self.failure(code, "cannot position \(path) at byte \(offset)")
        }
        self.fd = fd
        self.path = path
        self.follower = follower?.announced == offset ? follower : nil
        self.written = offset
        self.writebackFrom = offset
        self.announced = offset
    }

    public func write(_ raw: UnsafeRawBufferPointer) throws(StoreError) {
        guard var base = raw.baseAddress, raw.count > 0 else { return }
        var left = raw.count
        while left > 0 {
            let n = Glibc.write(fd, base, left)
            if n < 0 {
                if errno == EINTR { continue }
                // Some of these bytes may be in the file: the hash cannot say what it holds.
                follower = nil
                throw Self.failure(errno, "cannot write to \(path)")
            }
            base += n
            left -= n
        }
        written += UInt64(raw.count)
        if written - announced >= Self.announceStep {
            follower?.advance(to: written)
            announced = written
        }
        if written - writebackFrom >= Self.writebackStep {
            _ = fieldsync_start_writeback(fd, Int64(writebackFrom), Int64(written - writebackFrom))
            writebackFrom = written
        }
    }

    /// Lets the hash follower hash the next `count` bytes from the caller's memory
    /// (`bytes` feeds them to the hasher, and keeps them alive until then) instead of
    /// reading them back from the file; call it just before `write` of those bytes.
    public func hashBeforeWrite(count: Int, _ bytes: @escaping @Sendable (BlobHasher) -> Void) {
        follower?.take(at: written, count: count, bytes)
    }

    /// Makes everything written durable.
    public func sync() throws(StoreError) {
        follower?.advance(to: written)
        announced = written
        guard fsync(fd) == 0 else { throw Self.failure(errno, "cannot make \(path) durable") }
    }

    /// A failed write: no room is `diskFull` (its message names no file, so a node can say
    /// what happened without showing its paths); anything else is I/O, with `doing`.
    static func failure(_ code: Int32, _ doing: String) -> StoreError {
        if code == ENOSPC || code == EDQUOT { return StoreError.diskFull() }
        return StoreError(.io, "\(doing): \(String(cString: strerror(code)))")
    }

    /// Closes the file (without syncing). Safe to call twice.
    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
