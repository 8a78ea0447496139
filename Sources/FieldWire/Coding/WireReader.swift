import FieldModel

/// Reads wire primitives from untrusted bytes. Every read is bounds-checked and throws
/// ``WireError`` instead of trapping; no length field can make it allocate more than the
/// bytes actually present.
public struct WireReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    private let end: Int

    public init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.offset = start
        self.end = end ?? bytes.count
    }

    public var remaining: Int { end - offset }
    public var isAtEnd: Bool { offset >= end }

    public mutating func byte() throws(WireError) -> UInt8 {
        guard offset < end else { throw WireError(.truncated, "message ends early at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A minimal unsigned LEB128 varint of at most 64 bits.
    public mutating func varint() throws(WireError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = offset
        while true {
            let b = try byte()
            if shift == 63 && b > 1 { throw WireError(.badVarint, "varint at byte \(start) overflows 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 {
                if b == 0 && shift > 0 { throw WireError(.badVarint, "varint at byte \(start) is not minimal") }
                return result
            }
            shift += 7
            if shift > 63 { throw WireError(.badVarint, "varint at byte \(start) is longer than 10 bytes") }
        }
    }

    public mutating func zigzag() throws(WireError) -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    /// A varint that must fit in `limit`; used for counts and lengths.
    public mutating func count(max limit: Int, _ what: String) throws(WireError) -> Int {
        let v = try varint()
        guard v <= UInt64(limit) else { throw WireError(.tooLarge, "\(what) of \(v) is over the limit of \(limit)") }
        return Int(v)
    }

    public mutating func raw(_ n: Int) throws(WireError) -> [UInt8] {
        guard n >= 0, n <= remaining else {
            throw WireError(.truncated, "needs \(n) bytes at byte \(offset), has \(remaining)")
        }
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    public mutating func skip(_ n: Int) throws(WireError) {
        guard n >= 0, n <= remaining else { throw WireError(.truncated, "needs \(n) bytes at byte \(offset), has \(remaining)") }
        offset += n
    }

    /// 32 raw bytes of a SHA-256.
    public mutating func digest() throws(WireError) -> Digest {
        guard let d = Digest(bytes: try raw(32)) else { throw WireError(.truncated, "a hash needs 32 bytes") }
        return d
    }

    public mutating func blob(max limit: Int) throws(WireError) -> [UInt8] {
        let n = try count(max: limit, "byte string length")
        return try raw(n)
    }

    public mutating func string(max limit: Int = Op.maxTextBytes) throws(WireError) -> String {
        let n = try count(max: limit, "string length")
        guard n <= remaining else { throw WireError(.truncated, "string of \(n) bytes at byte \(offset), has \(remaining)") }
        let slice = bytes[offset..<(offset + n)]
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw WireError(.malformed, "string at byte \(offset) is not valid UTF-8")
        }
        offset += n
        return s
    }
}
