import FieldStore
import Foundation

/// What bounds any upload or download of a blob on this machine, whatever the code does:
/// both end with the blob durable on disk (the node fsyncs every chunk before it
/// acknowledges it, the client fsyncs a fetched blob before it becomes visible) and its
/// SHA-256 checked. Each is timed from bytes already in memory, so reading the source is
/// not counted: a transfer of the same bytes to the same disk cannot take less.
final class Floors {
    /// The blob's bytes, aligned for O_DIRECT.
    private let bytes: UnsafeMutableRawBufferPointer
    static let alignment = 4096
    static let piece = 1 << 20
    /// Linux's O_DIRECT, which Swift's Glibc module leaves out (a GNU extension).
    #if arch(arm64)
    static let directIO: Int32 = 0o200000
    #else
    static let directIO: Int32 = 0o40000
    #endif

    init(source path: String, size: Int) throws {
        guard size % Self.alignment == 0 else { throw BenchError("floors need a size that is a multiple of \(Self.alignment) bytes") }
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: Self.alignment)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BenchError("cannot read \(path)") }
        defer { close(fd) }
        var done = 0
        while done < size {
            let n = pread(fd, bytes.baseAddress! + done, size - done, off_t(done))
            guard n > 0 else { throw BenchError("\(path) is shorter than \(size) bytes") }
            done += n
        }
    }

    deinit { bytes.deallocate() }

    /// Written through the page cache in 1 MB writes, then one fsync: what `cp` then `sync`
    /// of the file costs.
    func durableCached(to target: String) throws -> Double { try durable(to: target, flags: 0) }

    /// Written with O_DIRECT in 1 MB writes (no page cache to fill), then fsync for the
    /// file's metadata: on some disks the faster way to the same durability. NaN where the
    /// file system refuses O_DIRECT (tmpfs, some overlays): the cached floor stands alone.
    func durableDirect(to target: String) throws -> Double { try durable(to: target, flags: Self.directIO) }

    private func durable(to target: String, flags: Int32) throws -> Double {
        FileCopy.settle()
        var refused = false
        let t = try seconds {
            let fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | flags, 0o644)
            guard fd >= 0 else {
                if flags != 0, errno == EINVAL { refused = true; return }
                throw BenchError("cannot create \(target): \(String(cString: strerror(errno)))")
            }
            defer { close(fd) }
            var done = 0
            while done < bytes.count {
                let n = write(fd, bytes.baseAddress! + done, min(Self.piece, bytes.count - done))
                guard n > 0 else { throw BenchError("cannot write \(target): \(String(cString: strerror(errno)))") }
                done += n
            }
            guard fsync(fd) == 0 else { throw BenchError("cannot fsync \(target)") }
        }
        unlink(target)
        return refused ? .nan : t
    }

    /// SHA-256 of the bytes in one stream (libcrypto, as the node and the client hash).
    func hash() -> Double {
        seconds {
            let hasher = BlobHasher()
            hasher.update(UnsafeRawBufferPointer(bytes))
            _ = hasher.digest
        }
    }
}
