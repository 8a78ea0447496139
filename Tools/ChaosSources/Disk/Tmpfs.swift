import FieldStore
import FieldTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs mounted on a folder (the node's data folder, a device's home), which the
/// campaign fills with one filler file to leave a chosen number of bytes free, and frees.
final class Tmpfs: @unchecked Sendable {
    // @unchecked: `mounted` changes only on the campaign's thread; the signal handler
    // reads `path` (a constant) alone.
    let path: String
    let megabytes: Int
    private(set) var mounted = false
    /// The filler sits in the mount's root: the only file there that the product did not make.
    var fillerPath: String { path + "/.chaos-filler" }

    /// Mounts a `megabytes` MiB tmpfs on `path` (made if missing). Needs root.
    init(at path: String, megabytes: Int) throws {
        self.path = path
        self.megabytes = megabytes
        guard geteuid() == 0 else { throw ChaosError("chaos disk mounts tmpfs file systems: run it as root") }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let r = try Binaries.run(executable: "/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0700", "tmpfs", path])
        guard r.status == 0 else { throw ChaosError("mount -t tmpfs on \(path): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))") }
        mounted = true
    }

    /// Bytes free on the mount, as the product measures them.
    var free: UInt64 { DiskSpace.available(at: path) ?? 0 }

    /// Whether the filler is in place.
    var filled: Bool { FileManager.default.fileExists(atPath: fillerPath) }

    /// Leaves `leave` bytes free (within a page): the filler is made anew; 0 fills every
    /// last page.
    func fill(leaving leave: UInt64) throws {
        empty()
        let room = free
        guard room > leave else { return }
        let fd = open(fillerPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ChaosError("cannot make \(fillerPath): errno \(errno)") }
        defer { close(fd) }
        let taken = posix_fallocate(fd, 0, off_t(room - leave))
        guard taken == 0 || taken == ENOSPC else { throw ChaosError("posix_fallocate on \(fillerPath): errno \(taken)") }
        guard leave == 0 else { return }
        // Whatever pages are left (metadata rounding) are written full too.
        _ = lseek(fd, 0, SEEK_END)
        let page = [UInt8](repeating: 0, count: 4096)
        while page.withUnsafeBytes({ write(fd, $0.baseAddress!, $0.count) }) > 0 {}
    }

    /// Removes the filler.
    func empty() { _ = unlink(fillerPath) }

    /// Unmounts, lazily if something still holds a file open after a few tries. Says
    /// whether the mount is gone.
    @discardableResult
    func unmount() -> Bool {
        guard mounted else { return true }
        for attempt in 0..<20 {
            if (try? Binaries.run(executable: "/usr/bin/umount", [path]))?.status == 0 {
                mounted = false
                return true
            }
            usleep(UInt32(100_000 * min(attempt + 1, 5)))
        }
        if (try? Binaries.run(executable: "/usr/bin/umount", ["-l", path]))?.status == 0 {
            mounted = false
            return true
        }
        Say.progress("disk: could not unmount \(path): run `umount -l \(path)`")
        return false
    }

    /// For FIELDSYNC_CHAOS_KEEP=1: copies what the product wrote (not the filler) beside
    /// the mount point, since the mount's contents go with it.
    func keepCopy() {
        let copy = path + ".kept"
        try? FileManager.default.removeItem(atPath: copy)
        try? FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where name != ".chaos-filler" {
            try? FileManager.default.copyItem(atPath: path + "/" + name, toPath: copy + "/" + name)
        }
    }
}
