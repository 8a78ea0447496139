import Hummingbird

/// A download's `Range` header, checked against the blob's size before any arithmetic
/// (the header is the caller's: `bytes=-9223372036854775808-` once trapped the node).
///
/// Served: `bytes=N-` (from N), `bytes=N-M` (M past the end is the end), `bytes=-N` (the
/// last N bytes). Refused: anything else is 400 (several ranges, other units, signs,
/// spaces, a number over 64 bits); a range that starts at or past the end, or an empty
/// suffix, is 416 (RFC 9110: no byte of it exists; a client holding every byte is told so).
struct ByteRange: Equatable {
    /// First byte and how many, both within the blob.
    let start: UInt64
    let length: UInt64

    /// The part of a blob of `size` bytes that `header` asks for; the whole blob when there
    /// is no header.
    static func parse(_ header: String?, size: UInt64) throws(HTTPError) -> (range: ByteRange, partial: Bool) {
        guard let header else { return (ByteRange(start: 0, length: size), false) }
        guard header.hasPrefix("bytes=") else { throw malformed("only byte ranges are served") }
        let spec = header.dropFirst(6)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw malformed("a range is bytes=FIRST-[LAST] or bytes=-COUNT") }
        if parts[0].isEmpty {
            guard let count = number(parts[1]) else { throw malformed("bytes=-COUNT needs a count (decimal digits)") }
            guard count > 0, size > 0 else { throw unsatisfiable(size) }
            let length = min(count, size)
            return (ByteRange(start: size - length, length: length), true)
        }
        guard let first = number(parts[0]) else { throw malformed("a range's first byte is decimal digits") }
        let last: UInt64?
        if parts[1].isEmpty { last = nil } else {
            guard let l = number(parts[1]) else { throw malformed("a range's last byte is decimal digits") }
            guard l >= first else { throw malformed("a range's last byte comes before its first") }
            last = l
        }
        guard first < size else { throw unsatisfiable(size) }
        // first < size here, so size - 1 and last - first + 1 cannot wrap.
        let end = min(last ?? (size - 1), size - 1)
        return (ByteRange(start: first, length: end - first + 1), true)
    }

    /// 1 to 19 ASCII digits (UInt64 alone would take a sign); nil if over 64 bits.
    static func number(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.count <= 20, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(text)
    }

    static func malformed(_ why: String) -> HTTPError {
        HTTPError(.badRequest, message: "bad Range header: \(why); ask for bytes=N-, bytes=N-M or bytes=-N")
    }

    static func unsatisfiable(_ size: UInt64) -> HTTPError {
        HTTPError(.rangeNotSatisfiable, headers: [.contentRange: "bytes */\(size)"], message: "the blob has \(size) bytes: ask for a range within them")
    }
}
