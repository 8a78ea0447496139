import FieldModel

/// Strings that repeat within one message (replica ids, subjects, part numbers,
/// locations, field names) are sent once and then referred to by index
/// (Protocol/SPEC.md §2.4). `nil` table means every string is written inline.
public struct StringTable: Sendable {
    private var indexByString: [String: UInt64] = [:]
    private(set) var strings: [String] = []
    /// The most strings one message may define.
    public static let maxEntries = 1 << 20

    public init() {}

    /// Writes `s` as a reference: `0` then the string the first time, `index + 1` after.
    mutating func write(_ s: String, to w: inout WireWriter) {
        if let i = indexByString[s] {
            w.varint(i + 1)
        } else {
            w.varint(0)
            w.string(s)
            indexByString[s] = UInt64(strings.count)
            strings.append(s)
        }
    }

    mutating func read(from r: inout WireReader, max limit: Int) throws(WireError) -> String {
        let ref = try r.varint()
        if ref == 0 {
            guard strings.count < Self.maxEntries else { throw WireError(.tooLarge, "string table over \(Self.maxEntries) entries") }
            let s = try r.string(max: limit)
            strings.append(s)
            return s
        }
        guard ref - 1 < UInt64(strings.count) else {
            throw WireError(.malformed, "string reference \(ref) at byte \(r.offset) points past the table (\(strings.count))")
        }
        return strings[Int(ref - 1)]
    }
}

/// How a payload writes strings: inline (self-contained) or through a message's table.
struct StringCoder {
    var table: StringTable?

    mutating func write(_ s: String, to w: inout WireWriter) {
        if table != nil { table!.write(s, to: &w) } else { w.string(s) }
    }

    mutating func read(from r: inout WireReader, max limit: Int = Op.maxTextBytes) throws(WireError) -> String {
        if table != nil { return try table!.read(from: &r, max: limit) }
        return try r.string(max: limit)
    }
}
