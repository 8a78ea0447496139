import Foundation

/// Free space on the file system holding a folder, as an unprivileged process may use it
/// (`statvfs`'s `f_bavail`: the blocks root keeps back are not counted).
public enum DiskSpace {
    /// Bytes free for this process at `path` (a file or folder); nil if the file system
    /// cannot be asked (no such path). Saturates rather than traps on absurd block counts.
    public static func available(at path: String) -> UInt64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let (bytes, overflow) = UInt64(info.f_bavail).multipliedReportingOverflow(by: UInt64(info.f_frsize))
        return overflow ? .max : bytes
    }

    /// "12.3 MB": sizes for a person, in decimal megabytes (what file managers show).
    public static func megabytes(_ bytes: UInt64) -> String {
        let mb = Double(bytes) / 1_000_000
        return mb >= 10 ? "\(Int(mb.rounded(.up))) MB" : String(format: "%.1f MB", (mb * 10).rounded(.up) / 10)
    }
}

/// The space a node keeps free for its op log: blobs (photos, signatures) may fill the
/// disk only down to it, so when photos fill the disk, syncs of ops and pulls keep
/// working. An upload that would cut into it is refused before any of its bytes is
/// written, counting the whole of what the upload may still send (its declared size
/// less what the node holds), so the same photo cannot fill the disk again and again.
public struct DiskReserve: Sendable, Equatable {
    /// 512 MiB: some million ops of an average shift, and the WAL's checkpoints.
    public static let defaultBytes: UInt64 = 512 << 20

    /// Bytes that must stay free after any upload.
    public let bytes: UInt64
    /// A folder on the file system the reserve is kept on (the node's data folder).
    public let folder: String

    public init(bytes: UInt64 = Self.defaultBytes, folder: String) {
        self.bytes = bytes
        self.folder = folder
    }

    /// May `incoming` more bytes be written where `free` bytes are available? True only if
    /// at least `bytes` stay free afterwards. Any values, `UInt64.max` too, answer without
    /// trapping.
    public func admits(_ incoming: UInt64, free: UInt64) -> Bool {
        let (needed, overflow) = incoming.addingReportingOverflow(bytes)
        return !overflow && needed <= free
    }

    /// How many more bytes than `free` an upload of `incoming` bytes needs to keep the
    /// reserve (0 if it fits); saturates at `UInt64.max`.
    public func shortfall(_ incoming: UInt64, free: UInt64) -> UInt64 {
        let (needed, overflow) = incoming.addingReportingOverflow(bytes)
        if overflow { return .max }
        return needed > free ? needed - free : 0
    }

    /// Refuses (`StoreError.diskFull`) an upload of `incoming` more bytes that would cut
    /// into the reserve. A file system that cannot be asked is not a reason to refuse:
    /// the write itself then says whether there is room.
    public func check(_ incoming: UInt64) throws(StoreError) {
        guard let free = DiskSpace.available(at: folder), !admits(incoming, free: free) else { return }
        throw StoreError.diskFull(needed: shortfall(incoming, free: free))
    }
}
