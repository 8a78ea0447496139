import CZstd
import Synchronization

/// zstd compression through Debian's libzstd (Protocol/SPEC.md §1, "Compression").
public enum Zstd {
    /// Compresses `input` into one zstd frame that records its content size.
    public static func compress(_ input: [UInt8], level: Int32 = 3) -> [UInt8] {
        compress(segments: [input], level: level)
    }

    /// Compresses the concatenation of `segments` into one zstd frame that records its
    /// content size, ending a zstd block at each segment boundary so that each segment
    /// (an op batch's structure, times, text, hashes) gets its own literal statistics.
    public static func compress(segments: [[UInt8]], level: Int32 = 3) -> [UInt8] {
        let total = segments.reduce(0) { $0 + $1.count }
        let bound = ZSTD_compressBound(total) + 32 * segments.count + 64
        return Contexts.shared.withCompressor { cctx in
            ZSTD_CCtx_reset(cctx, ZSTD_reset_session_only)
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
            ZSTD_CCtx_setPledgedSrcSize(cctx, UInt64(total))
            return [UInt8](unsafeUninitializedCapacity: bound) { out, written in
                var output = ZSTD_outBuffer(dst: out.baseAddress, size: bound, pos: 0)
                for (i, segment) in segments.enumerated() {
                    let last = i == segments.count - 1
                    segment.withUnsafeBytes { src in
                        var input = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
                        while true {
                            let left = ZSTD_compressStream2(cctx, &output, &input, last ? ZSTD_e_end : ZSTD_e_flush)
                            // The output buffer holds the whole bound, so zstd cannot run out of room.
                            precondition(ZSTD_isError(left) == 0, "zstd compress failed")
                            if left == 0 { break }
                        }
                    }
                }
                if segments.isEmpty {
                    var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
                    while ZSTD_compressStream2(cctx, &output, &input, ZSTD_e_end) != 0 {}
                }
                written = output.pos
            }
        }
    }

    /// Decompresses one zstd frame. The frame must state its content size, and that
    /// size must not exceed `maxSize`: a hostile frame cannot make us allocate more.
    /// The input must be that one frame: bytes after it (another frame, a skippable
    /// frame) are refused, as libzstd would otherwise read them too (SPEC §1).
    public static func decompress(_ input: ArraySlice<UInt8>, maxSize: Int) throws(WireError) -> [UInt8] {
        let size = input.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        if size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN {
            throw WireError(.corruptCompression, "not a zstd frame with a declared size")
        }
        guard size <= UInt64(maxSize) else {
            throw WireError(.tooLarge, "compressed message expands to \(size) bytes, over the \(maxSize)-byte limit")
        }
        let extent = input.withUnsafeBytes { ZSTD_findFrameCompressedSize($0.baseAddress, $0.count) }
        guard ZSTD_isError(extent) == 0, extent == input.count else {
            throw WireError(.corruptCompression, "the payload is not exactly one zstd frame")
        }
        let expected = Int(size)
        var failed = false
        let out = Contexts.shared.withDecompressor { dctx in
            [UInt8](unsafeUninitializedCapacity: expected) { buffer, count in
                let written = input.withUnsafeBytes { src in
                    ZSTD_decompressDCtx(dctx, buffer.baseAddress, expected, src.baseAddress, src.count)
                }
                failed = ZSTD_isError(written) != 0 || written != expected
                // Never expose bytes zstd did not write.
                count = failed ? 0 : expected
            }
        }
        if failed { throw WireError(.corruptCompression, "zstd frame is corrupt") }
        return out
    }

    public static func decompress(_ input: [UInt8], maxSize: Int) throws(WireError) -> [UInt8] {
        try decompress(input[...], maxSize: maxSize)
    }
}

/// Reusable zstd contexts: making one per frame costs more than compressing a day.
final class Contexts: Sendable {
    static let shared = Contexts()

    /// A zstd context pointer. Only ever used by the one thread that took it out of a
    /// pool, so handing it across threads through the pool's mutex is safe.
    struct Handle: @unchecked Sendable { let pointer: OpaquePointer }

    private let compressors = Mutex<[Handle]>([])
    private let decompressors = Mutex<[Handle]>([])

    func withCompressor<T>(_ body: (OpaquePointer) -> T) -> T {
        let handle = compressors.withLock { $0.popLast() } ?? Handle(pointer: ZSTD_createCCtx())
        defer { compressors.withLock { if $0.count < 8 { $0.append(handle) } else { ZSTD_freeCCtx(handle.pointer) } } }
        return body(handle.pointer)
    }

    func withDecompressor<T>(_ body: (OpaquePointer) -> T) -> T {
        let handle = decompressors.withLock { $0.popLast() } ?? Handle(pointer: ZSTD_createDCtx())
        defer { decompressors.withLock { if $0.count < 8 { $0.append(handle) } else { ZSTD_freeDCtx(handle.pointer) } } }
        return body(handle.pointer)
    }
}
