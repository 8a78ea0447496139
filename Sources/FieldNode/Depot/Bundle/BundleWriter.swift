import FieldModel
import FieldStore
import FieldWire
import Foundation

/// Writes a bundle file (SPEC §11) record by record, hashing every byte for the trailer.
/// It goes to a temporary file beside its path, fsynced and renamed into place only once
/// whole: a bundle that exists is complete, whatever happened while it was written.
/// Used by one thread at a time (a command's blocking work).
final class BundleWriter {
    private let path: String
    private let temporary: String
    private var fd: Int32
    private let hasher = BlobHasher()
    private(set) var bytes: UInt64 = 0

    init(path: String) throws {
        self.path = path
        temporary = path + ".partial"
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw NodeError.badRequest("cannot write \(path): \(String(cString: strerror(errno)))") }
        try write(BundleFormat.magic)
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporary)
        }
    }

    func header(_ header: BundleHeader) throws {
        let json = try JSONEncoder().encode(header)
        guard json.count <= BundleFormat.maxHeaderBytes else {
            throw NodeError.badRequest("the bundle's header would be \(json.count) bytes, over \(BundleFormat.maxHeaderBytes): export in smaller parts")
        }
        try record(.header, [UInt8](json))
    }

    func frame(_ frame: [UInt8]) throws { try record(.frame, frame) }

    /// A blob from the file at `file`, `size` bytes, streamed.
    func blob(_ digest: Digest, file: String, size: UInt64) throws {
        let source = open(file, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw NodeError.badRequest("cannot read blob \(digest.hex.prefix(12)) at \(file)") }
        defer { close(source) }
        try write(BundleFormat.recordHead(.blob, length: 32 + size))
        try write(digest.bytes)
        var left = size
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while left > 0 {
            let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, Int(min(UInt64($0.count), left))) }
            guard n > 0 else { throw NodeError.badRequest("blob \(digest.hex.prefix(12)) at \(file) ended before its \(size) bytes") }
            try write(buffer[0..<n])
            left -= UInt64(n)
        }
    }

    /// Starts a blob of `size` bytes whose bytes the caller then gives to ``append(_:)``.
    func beginBlob(_ digest: Digest, size: UInt64) throws {
        try write(BundleFormat.recordHead(.blob, length: 32 + size))
        try write(digest.bytes)
    }

    func append(_ bytes: [UInt8]) throws { try write(bytes) }

    /// Writes the trailer (sealed with `seal`, an answer's: the site's token), makes the
    /// file durable and puts it in place; its checksum.
    func finish(seal: [UInt8]? = nil) throws -> Digest {
        let sum = hasher.digest
        let tail = seal.map { HMACSHA256.mac(sum.bytes, key: $0) } ?? []
        try write(BundleFormat.recordHead(.trailer, length: UInt64(32 + tail.count)) + sum.bytes + tail, hashed: false)
        guard fsync(fd) == 0 else { throw NodeError.badRequest("cannot write \(path) to disk: \(String(cString: strerror(errno)))") }
        close(fd)
        fd = -1
        guard rename(temporary, path) == 0 else { throw NodeError.badRequest("cannot put \(path) in place: \(String(cString: strerror(errno)))") }
        // The folder too: the rename itself survives a power cut.
        let folder = Glibc.open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
        return sum
    }

    private func record(_ kind: BundleFormat.Kind, _ body: [UInt8]) throws {
        try write(BundleFormat.recordHead(kind, length: UInt64(body.count)))
        try write(body)
    }

    private func write(_ chunk: some Collection<UInt8>, hashed: Bool = true) throws {
        let bytes = Array(chunk)
        if hashed { hasher.update(bytes) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw NodeError.badRequest("cannot write \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
        self.bytes += UInt64(bytes.count)
    }
}
