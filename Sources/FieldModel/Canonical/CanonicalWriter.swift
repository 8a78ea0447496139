/// Writes values as canonical bytes: one encoding per value, so equal states give equal
/// bytes (and digests) on every replica. Integers are unsigned LEB128, strings and byte
/// strings are length-prefixed, doubles are their IEEE-754 bit pattern.
struct CanonicalWriter {
    private(set) var bytes: [UInt8] = []

    mutating func uint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func int(_ value: Int64) { uint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func string(_ value: String) {
        uint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func raw(_ value: [UInt8]) {
        uint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func double(_ value: Double) { uint(value.bitPattern) }

    mutating func optional<T>(_ value: T?, _ write: (inout CanonicalWriter, T) -> Void) {
        if let value {
            bytes.append(1)
            write(&self, value)
        } else {
            bytes.append(0)
        }
    }

    mutating func opID(_ id: OpID) {
        string(id.replica.rawValue)
        uint(id.counter)
    }

    mutating func stamp(_ stamp: Timestamp) {
        uint(stamp.wallMillis)
        uint(UInt64(stamp.logical))
        string(stamp.replica.rawValue)
    }

    mutating func opIDs<S: Sequence>(_ ids: S) where S.Element == OpID {
        let sorted = ids.sorted()
        uint(UInt64(sorted.count))
        for id in sorted { opID(id) }
    }
}
