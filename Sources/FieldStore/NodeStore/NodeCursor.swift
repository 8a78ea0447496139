import FieldWire

/// The node's pull cursor: opaque to clients (SPEC §3.5). Version byte `02`, the op-log
/// position as a varint, then 8 bytes: a check of the op stored at that position
/// (`LogPosition`), so a node restored from a backup knows a cursor from a history it
/// lost and starts that device over instead of skipping what it stores there now.
/// Version `01` cursors (position alone) are from before the check: they start over once.
public struct NodeCursor: Equatable, Sendable {
    public var seq: Int64
    /// nil: no check to make (an empty cursor, the start of the log).
    public var check: UInt64?

    public static let start = NodeCursor(seq: 0, check: nil)

    public init(seq: Int64, check: UInt64?) {
        self.seq = seq
        self.check = check
    }

    public func encode() -> [UInt8] {
        var w = WireWriter(capacity: 19)
        w.byte(2)
        w.varint(UInt64(max(0, seq)))
        for shift in stride(from: 56, through: 0, by: -8) { w.byte(UInt8(truncatingIfNeeded: (check ?? 0) >> UInt64(shift))) }
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> NodeCursor {
        if bytes.isEmpty { return .start }
        var r = WireReader(bytes)
        switch try r.byte() {
        case 1:
            return .start
        case 2:
            let seq = try r.varint()
            let check = try r.raw(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard r.isAtEnd, seq <= UInt64(Int64.max) else { throw WireError(.malformed, "this cursor was not made by this node") }
            return NodeCursor(seq: Int64(seq), check: check)
        default:
            throw WireError(.malformed, "this cursor was not made by this node")
        }
    }
}
