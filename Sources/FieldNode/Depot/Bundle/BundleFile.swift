import FieldModel
import FieldStore
import FieldWire
import Foundation

/// A bundle file (SPEC §11) read and verified whole before anything of it is applied: its
/// structure, its checksum, every blob against its SHA-256, every frame decoded with its op
/// checksums, and its manifest against what it holds. A truncated or altered bundle is
/// refused whole, naming what is wrong, and nothing is changed.
struct BundleFile: Sendable {
    let path: String
    let header: BundleHeader
    /// The trailer's SHA-256: the bundle's name in an answer (`answers`).
    let checksum: Digest
    /// The seal: HMAC-SHA-256 of `checksum` keyed with the SHA-256 of the site's token.
    let seal: [UInt8]?
    /// Where each frame's bytes are, in order.
    let frames: [Range<UInt64>]
    /// Each frame's SHA-256 as verified: a frame read again later must still be it.
    let frameDigests: [Digest]
    /// Each blob and where its bytes are, in order.
    let blobs: [(digest: Digest, bytes: Range<UInt64>)]
    let size: UInt64

    /// Reads and verifies the bundle at `path`.
    static func open(_ path: String) throws -> BundleFile {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NodeError.notFound("cannot read the bundle \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw NodeError.notFound("cannot read the bundle \(path)") }
        let size = UInt64(info.st_size)
        let name = (path as NSString).lastPathComponent
        func bad(_ why: String) -> NodeError { .badBundle("the bundle \(name) is refused whole, nothing was applied: \(why)") }

        let hasher = BlobHasher()
        var at: UInt64 = 0
        func take(_ count: Int, hashed: Bool = true) throws -> [UInt8] {
            guard at + UInt64(count) <= size else { throw bad("it is truncated: it ends at byte \(size), before its checksum") }
            var out = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(at) + off_t(done)) }
                guard n > 0 else { throw bad("it could not be read past byte \(at + UInt64(done))") }
                done += n
            }
            if hashed { hasher.update(out) }
            at += UInt64(count)
            return out
        }

        guard size >= UInt64(BundleFormat.magic.count), try take(BundleFormat.magic.count) == BundleFormat.magic else {
            throw bad("it is not a FieldSync bundle (it does not start with FSBUNDLE)")
        }
        var header: BundleHeader?
        var frames: [Range<UInt64>] = []
        var frameDigests: [Digest] = []
        var blobs: [(digest: Digest, bytes: Range<UInt64>)] = []
        var ops = 0
        while true {
            let start = at
            let before = hasher.digest
            guard at + 9 <= size else { throw bad("it is truncated: it ends at byte \(size), before its checksum") }
            let headBytes = try take(9, hashed: false)
            guard let head = BundleFormat.parseHead(headBytes) else { throw bad("byte \(start) is not the start of a record: it was altered") }
            guard head.length <= size - at else { throw bad("it is truncated: a record at byte \(start) says \(head.length) bytes, the file ends first") }
            if head.kind == .trailer {
                guard head.length == 32 || head.length == 64 else { throw bad("its checksum record at byte \(start) is \(head.length) bytes, not 32 or 64") }
                let stated = try take(32, hashed: false)
                let seal = head.length == 64 ? try take(32, hashed: false) : nil
                guard Digest(bytes: stated) == before else { throw bad("its checksum does not match its content: it was altered or damaged") }
                guard at == size else { throw bad("\(size - at) bytes follow its checksum") }
                guard let header else { throw bad("it has no header") }
                guard header.format == BundleFormat.version else {
                    throw bad("it is of bundle format \(header.format); this node reads format \(BundleFormat.version): upgrade it")
                }
                let manifest = BundleHeader.Manifest(frames: frames.count, ops: ops, blobs: blobs.map { .init(sha: $0.digest.hex, bytes: $0.bytes.upperBound - $0.bytes.lowerBound) })
                let declared = BundleHeader.Manifest(
                    frames: header.manifest.frames, ops: header.manifest.ops, blobs: header.manifest.blobs.map { .init(sha: $0.sha, bytes: $0.bytes) })
                guard manifest == declared else {
                    throw bad("it holds \(manifest.frames) frames, \(manifest.ops) ops and \(manifest.blobs.count) blobs, not what its manifest says (\(header.manifest.frames), \(header.manifest.ops), \(header.manifest.blobs.count))")
                }
                return BundleFile(
                    path: path, header: header, checksum: before, seal: seal, frames: frames, frameDigests: frameDigests, blobs: blobs, size: size)
            }
            hasher.update(headBytes)
            switch head.kind {
            case .header:
                guard header == nil, frames.isEmpty, blobs.isEmpty else { throw bad("its header is not its first record, or not its only one") }
                guard head.length <= UInt64(BundleFormat.maxHeaderBytes) else { throw bad("its header is \(head.length) bytes, over \(BundleFormat.maxHeaderBytes)") }
                do { header = try JSONDecoder().decode(BundleHeader.self, from: Data(try take(Int(head.length)))) } catch let error as NodeError {
                    throw error
                } catch {
                    throw bad("its header cannot be read: \(error)")
                }
            case .frame:
                guard header != nil else { throw bad("its header is not its first record") }
                guard head.length <= UInt64(WireLimits.maxFrameBytes) else { throw bad("frame \(frames.count + 1) is \(head.length) bytes, over a frame's \(WireLimits.maxFrameBytes)") }
                let body = try take(Int(head.length))
                do {
                    let messages = try Frame.decode(body)
                    try OpChecksums.verify(messages)
                    for case .push(let push) in messages { ops += push.ops.count }
                } catch {
                    throw bad("frame \(frames.count + 1) cannot be read: \(error)")
                }
                frames.append(at - head.length..<at)
                frameDigests.append(BlobHasher.digest(of: body))
            case .blob:
                guard header != nil else { throw bad("its header is not its first record") }
                guard head.length >= 32 else { throw bad("a blob record at byte \(start) is too short to name its blob") }
                guard let digest = Digest(bytes: try take(32)) else { throw bad("a blob record at byte \(start) names no blob") }
                let blob = BlobHasher()
                let from = at
                var left = head.length - 32
                while left > 0 {
                    let piece = try take(Int(min(left, 1 << 20)))
                    blob.update(piece)
                    left -= UInt64(piece.count)
                }
                guard blob.digest == digest else { throw bad("blob \(digest.hex.prefix(12))'s bytes do not match its SHA-256: it was altered or damaged") }
                blobs.append((digest, from..<at))
            case .trailer:
                break
            }
        }
    }

    /// Whether the seal is the checksum's under `key` (``sealKey(token:)``): the bundle was
    /// written by a holder of that key, the site or its upstream, for this very content.
    func isSealed(by key: [UInt8]) -> Bool {
        guard let seal else { return false }
        return HMACSHA256.mac(checksum.bytes, key: key) == seal
    }

    /// What seals a site's bundles both ways: the SHA-256 of its token, which the site holds
    /// (it holds the token) and its upstream holds (it keeps only that hash); the token itself
    /// never travels.
    static func sealKey(token: String) -> [UInt8] { sealKey(hash: NewToken.hash(token)) }
    static func sealKey(hash: String) -> [UInt8] { Digest(hex: hash)?.bytes ?? [] }

    /// The `index`th frame's bytes, as verified: a file changed since is refused.
    func frame(_ index: Int) throws -> [UInt8] {
        let bytes = try Self.read(path, frames[index])
        guard BlobHasher.digest(of: bytes) == frameDigests[index] else {
            throw NodeError.badBundle("the bundle \((path as NSString).lastPathComponent) changed after it was verified: take it in again")
        }
        return bytes
    }

    /// Copies a blob's bytes to `destination` (created or truncated).
    func copyBlob(_ index: Int, to destination: String) throws {
        let range = blobs[index].bytes
        let out = Glibc.open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard out >= 0 else { throw NodeError.badRequest("cannot write \(destination): \(String(cString: strerror(errno)))") }
        defer { close(out) }
        var at = range.lowerBound
        while at < range.upperBound {
            let piece = try Self.read(path, at..<min(range.upperBound, at + (1 << 20)))
            guard piece.withUnsafeBytes({ Glibc.write(out, $0.baseAddress, $0.count) }) == piece.count else {
                throw NodeError.badRequest("cannot write \(destination): \(String(cString: strerror(errno)))")
            }
            at += UInt64(piece.count)
        }
        fsync(out)
    }

    static func read(_ path: String, _ range: Range<UInt64>) throws -> [UInt8] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NodeError.notFound("cannot read the bundle \(path)") }
        defer { close(fd) }
        let count = Int(range.upperBound - range.lowerBound)
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(range.lowerBound) + off_t(done)) }
            guard n > 0 else { throw NodeError.badBundle("the bundle \(path) changed while it was read") }
            done += n
        }
        return out
    }
}
