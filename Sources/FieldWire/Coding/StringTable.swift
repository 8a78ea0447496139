import FieldModel

/// Strings that repeat within one message (replica ids, subjects, part numbers,
/// locations, field names) are sent once and then referred to by index
/// (Protocol/SPEC.md §2.4). A class: one table is shared by every op payload of a
/// message while that message is encoded or decoded, never across threads.
final class StringTable {
    private var indexByString: [String: UInt64] = [:]
    private(set) var strings: [String] = []
    /// The most strings one message may define.
    static let maxEntries = 1 << 20

    init() {}

    /// Writes `s` as a reference: `0` then the string the first time, `index + 1` after.
    func write(_ s: String, to w: inout WireWriter) {
        if let i = indexByString[s] {
            w.varint(i + 1)
        } else {
            w.varint(0)
            w.string(s)
            indexByString[s] = UInt64(strings.count)
            strings.append(s)
        }
    }

    func read(from r: inout WireReader, max limit: Int) throws(WireError) -> String {
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
        // An entry defined for a longer field (a part number) must not bring a string
        // past this field's limit (a unit): re-encoded, it would be a definition too long
        // for its field (SPEC §2.4).
        let s = strings[Int(ref - 1)]
        guard s.utf8.count <= limit else {
            throw WireError(.tooLarge, "string reference \(ref) at byte \(r.offset) is \(s.utf8.count) bytes, over the limit of \(limit)")
        }
        return s
    }
}
