/// The checksum of one op's content: CRC-32C (see ``CRC32C`` for why) over the op's
/// canonical bytes (Protocol/SPEC.md §10):
///
/// | field | encoding |
/// | --- | --- |
/// | replica | varint byte length, then UTF-8 |
/// | counter | varint |
/// | wall | varint: the stamp's wall time in Unix ms |
/// | logical | varint |
/// | subject | varint byte length, then UTF-8 |
/// | kind | varint |
/// | payload | varint byte length, then the self-contained payload (SPEC §4, §4.9) |
///
/// Set where an op is made (or first received) and kept beside it; recomputed whenever
/// the op is read, stored, sent or received, so a flipped byte anywhere in its id, stamp,
/// subject, kind or payload is found and named instead of being passed on as truth. The
/// model does not know the payload encoding (that is FieldWire's), so the payload comes
/// in as bytes; `Op.checksum` in FieldWire encodes it.
public struct OpChecksum: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Eight lowercase hex digits.
    public var description: String {
        let hex = String(rawValue, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// The checksum of an op given by its parts, as a store row or a decoder holds them.
    public init<P: Collection>(
        replica: String, counter: UInt64, wallMillis: UInt64, logical: UInt32, subject: String, kind: UInt64,
        payload: P
    ) where P.Element == UInt8 {
        var crc = CRC32C()
        Self.string(replica, &crc)
        Self.varint(counter, &crc)
        Self.varint(wallMillis, &crc)
        Self.varint(UInt64(logical), &crc)
        Self.string(subject, &crc)
        Self.varint(kind, &crc)
        Self.varint(UInt64(payload.count), &crc)
        crc.update(payload)
        rawValue = crc.value
    }

    /// The checksum of `op` whose self-contained payload is `payload`.
    public init<P: Collection>(_ op: Op, payload: P) where P.Element == UInt8 {
        self.init(
            replica: op.id.replica.rawValue, counter: op.id.counter, wallMillis: op.stamp.wallMillis,
            logical: op.stamp.logical, subject: op.subject.rawValue, kind: op.body.kind.rawValue, payload: payload)
    }

    private static func varint(_ value: UInt64, _ crc: inout CRC32C) {
        var v = value
        while v >= 0x80 {
            crc.update(byte: UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        crc.update(byte: UInt8(v))
    }

    private static func string(_ s: String, _ crc: inout CRC32C) {
        var s = s
        s.withUTF8 { utf8 in
            varint(UInt64(utf8.count), &crc)
            crc.update(utf8)
        }
    }
}
