import FieldModel
import Foundation

/// Content-addressed blobs (photos, signatures) in a folder: `ab/abcdef…` by SHA-256.
///
/// A blob is streamed into a temporary file while it is hashed, fsynced, then renamed
/// into place and the folder fsynced, so a blob that is visible is whole and durable.
/// The same bytes are stored once.
public struct BlobFolder: Sendable {
    public let root: String
    static let chunkSize = 1 << 20

    public init(root: String) { self.root = root }

    public func path(for digest: Digest) -> String {
        let hex = digest.hex
        return "\(root)/\(hex.prefix(2))/\(hex)"
    }

    public func contains(_ digest: Digest) -> Bool { FileManager.default.fileExists(atPath: path(for: digest)) }

    /// Every blob held here, with its size, in digest order (files that are not a blob,
    /// such as a download in progress under `tmp`, are not listed).
    public func all() -> [(digest: Digest, size: UInt64)] {
        let files = FileManager.default
        var out: [(digest: Digest, size: UInt64)] = []
        for prefix in (try? files.contentsOfDirectory(atPath: root)) ?? [] where prefix.count == 2 {
            for name in (try? files.contentsOfDirectory(atPath: root + "/" + prefix)) ?? [] {
                guard name.hasPrefix(prefix), let digest = Digest(hex: name), digest.hex == name,
                    let size = ((try? files.attributesOfItem(atPath: path(for: digest)))?[.size] as? NSNumber)?.uint64Value
                else { continue }
                out.append((digest, size))
            }
        }
        return out.sorted { $0.digest.hex < $1.digest.hex }
    }

    /// Deletes a cached blob nothing here refers to any more (an article that left this
    /// device's scope); a missing one is fine.
    public func remove(_ digest: Digest) { try? FileManager.default.removeItem(atPath: path(for: digest)) }

    /// Where a download of `digest` collects its bytes until they are verified.
    public func fetchPath(for digest: Digest) -> String { "\(root)/tmp/fetch-\(digest.hex)" }

    /// Verifies a finished download and makes it a local blob; false (and discarded) if
    /// its bytes do not hash to `digest`. `follower` is what hashed the bytes as they were
    /// written (`BlobSink`); without it the file is read.
    public func adoptFetched(_ digest: Digest, follower: BlobHashFollower? = nil) throws(StoreError) -> Bool {
        let partial = fetchPath(for: digest)
        guard let size = ((try? FileManager.default.attributesOfItem(atPath: partial))?[.size] as? NSNumber)?.uint64Value else {
            return false
        }
        guard let hashed = (follower ?? BlobHashFollower(path: partial)).digest(upTo: size) else {
            throw StoreError(.io, "cannot read back \(partial) to verify it")
        }
        guard hashed == digest else {
            try? FileManager.default.removeItem(atPath: partial)
            return false
        }
        try moveIn(partial, as: digest)
        return true
    }

    /// Makes the verified file at `file` the blob `digest`: renamed into place, the folder
    /// fsynced, so a visible blob survives a crash.
    func moveIn(_ file: String, as digest: Digest) throws(StoreError) {
        let final = path(for: digest)
        let dir = (final as NSString).deletingLastPathComponent
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw StoreError(.io, "cannot create \(dir): \(error.localizedDescription)", underlying: error)
        }
        guard rename(file, final) == 0 else { throw StoreError(.io, "cannot move a blob into \(dir): errno \(errno)") }
        Self.syncDirectory(dir)
    }

    /// Copies the file at `source` in; returns its digest and size.
    public func store(fileAt source: String) throws(StoreError) -> (digest: Digest, size: UInt64) {
        guard let input = FileHandle(forReadingAtPath: source) else {
            throw StoreError(.unreadableFile, "cannot read \(source): check the path and that you may read it")
        }
        defer { try? input.close() }
        try ensureRoom(for: source)
        return try ingest { write in
            while true {
                let chunk: Data
                do { chunk = try input.read(upToCount: Self.chunkSize) ?? Data() } catch {
                    throw StoreError(.unreadableFile, "cannot read \(source): \(error.localizedDescription)")
                }
                if chunk.isEmpty { break }
                try write(chunk)
            }
        }
    }

    /// Refuses, before anything is written, a file bigger than the free space: the
    /// engineer learns how much to free, and no half copy fills the last bytes the
    /// replica needs to record anything.
    func ensureRoom(for source: String) throws(StoreError) {
        guard let size = ((try? FileManager.default.attributesOfItem(atPath: source))?[.size] as? NSNumber)?.uint64Value,
            let free = DiskSpace.available(at: existingAncestor(of: root)), size > free
        else { return }
        throw StoreError.diskFull(needed: size - free)
    }

    /// `path`, or the nearest folder above it that exists (the blob folder is made on first use).
    func existingAncestor(of path: String) -> String {
        var folder = path
        while !folder.isEmpty, folder != "/", !FileManager.default.fileExists(atPath: folder) {
            folder = (folder as NSString).deletingLastPathComponent
        }
        return folder.isEmpty ? "." : folder
    }

    /// Streams bytes from `produce` into a new blob; `produce` calls its argument with
    /// each chunk.
    func ingest(_ produce: ((Data) throws -> Void) throws -> Void) throws(StoreError) -> (digest: Digest, size: UInt64) {
        let tmpDir = "\(root)/tmp"
        let tmp = "\(tmpDir)/\(UUID().uuidString)"
        do {
            try FileManager.default.createDirectory(atPath: tmpDir, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: tmp, contents: nil) else {
                throw StoreError(.io, "cannot write in \(tmpDir): check free space and permissions")
            }
            let out = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
            let hasher = BlobHasher()
            var size: UInt64 = 0
            do {
                try produce { chunk in
                    hasher.update(chunk)
                    size += UInt64(chunk.count)
                    try out.write(contentsOf: chunk)
                }
                try out.synchronize()
                try out.close()
            } catch {
                try? out.close()
                throw error
            }
            let digest = hasher.digest
            if contains(digest) {
                try FileManager.default.removeItem(atPath: tmp)
            } else {
                try moveIn(tmp, as: digest)
            }
            return (digest, size)
        } catch let error as StoreError {
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            // A copy that ran out of room (the file grew, or something else took the space).
            if (DiskSpace.available(at: existingAncestor(of: root)) ?? .max) < UInt64(Self.chunkSize) {
                throw StoreError.diskFull(underlying: error)
            }
            throw StoreError(.io, "cannot store a blob in \(root): \(error.localizedDescription)", underlying: error)
        }
    }

    static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
