import FieldWire

/// The node's pull cursor: opaque to clients (SPEC §3.5). Version byte `01`, then the
/// op-log position as a varint.
enum NodeCursor {
    static func encode(_ seq: Int64) -> [UInt8] {
        var w = WireWriter(capacity: 11)
        w.byte(1)
        w.varint(UInt64(max(0, seq)))
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(WireError) -> Int64 {
        if bytes.isEmpty { return 0 }
        var r = WireReader(bytes)
        guard try r.byte() == 1 else { throw WireError(.malformed, "this cursor was not made by this node") }
        let seq = try r.varint()
        guard r.isAtEnd, seq <= UInt64(Int64.max) else { throw WireError(.malformed, "this cursor was not made by this node") }
        return Int64(seq)
    }
}
