import CZstd

/// zstd compression through Debian's libzstd (Protocol/SPEC.md, "Compression").
public enum Zstd {
    /// Compresses `input` into one zstd frame that records its content size.
    public static func compress(_ input: [UInt8], level: Int32 = 3) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var out = [UInt8](repeating: 0, count: bound)
        let written = out.withUnsafeMutableBytes { dst in
            input.withUnsafeBytes { src in
                ZSTD_compress(dst.baseAddress, bound, src.baseAddress, src.count, level)
            }
        }
        // Compressing into a buffer of ZSTD_compressBound bytes cannot fail.
        precondition(ZSTD_isError(written) == 0, "zstd compress failed")
        out.removeSubrange(written...)
        return out
    }

    /// Decompresses one zstd frame. The frame must state its content size, and that
    /// size must not exceed `maxSize`: a hostile frame cannot make us allocate more.
    public static func decompress(_ input: [UInt8], maxSize: Int) throws(WireError) -> [UInt8] {
        let size = input.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        if size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN {
            throw WireError(.corruptCompression, "not a zstd frame with a declared size")
        }
        guard size <= UInt64(maxSize) else {
            throw WireError(.tooLarge, "compressed message expands to \(size) bytes, over the \(maxSize)-byte limit")
        }
        var out = [UInt8](repeating: 0, count: Int(size))
        let written = out.withUnsafeMutableBytes { dst in
            input.withUnsafeBytes { src in ZSTD_decompress(dst.baseAddress, dst.count, src.baseAddress, src.count) }
        }
        guard ZSTD_isError(written) == 0, written == Int(size) else {
            throw WireError(.corruptCompression, "zstd frame is corrupt")
        }
        return out
    }
}
