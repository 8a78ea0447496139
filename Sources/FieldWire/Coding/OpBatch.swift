import FieldModel

/// A list of ops inside one message (SPEC §4.1): each op's replica and subject through
/// the message's string table, its counter as a delta from the previous op of the same
/// replica, its wall time as a delta from the previous op, then kind and payload.
struct OpBatch {
    let table = StringTable()
    private var lastCounter: [ReplicaID: UInt64] = [:]
    private var lastWall: UInt64 = 0

    mutating func encode(_ ops: [Op], to w: inout WireWriter) {
        w.varint(UInt64(ops.count))
        var payload = WireWriter(capacity: 256)
        for op in ops {
            table.write(op.id.replica.rawValue, to: &w)
            let previous = lastCounter[op.id.replica] ?? 0
            w.zigzag(Int64(bitPattern: op.id.counter &- previous))
            lastCounter[op.id.replica] = op.id.counter
            w.zigzag(Int64(bitPattern: op.stamp.wallMillis &- lastWall))
            lastWall = op.stamp.wallMillis
            w.varint(UInt64(op.stamp.logical))
            table.write(op.subject.rawValue, to: &w)
            w.varint(op.body.kind.rawValue)
            payload = WireWriter(capacity: 256)
            if OpKind.known.contains(op.body.kind) {
                var coder = OpPayload(table: table)
                coder.baseWall = op.stamp.wallMillis
                coder.encode(op.body, to: &payload)
            } else if case .unknown(let u) = op.body {
                payload.raw(u.payload)
            }
            w.blob(payload.bytes)
        }
    }

    mutating func decode(from r: inout WireReader) throws(WireError) -> [Op] {
        let n = try r.count(max: WireLimits.maxOpsPerMessage, "op count")
        // Each op takes at least 8 bytes: a count cannot make us reserve more than is there.
        guard n <= r.remaining / 8 + 1 else { throw WireError(.truncated, "\(n) ops cannot fit in \(r.remaining) bytes") }
        var ops: [Op] = []
        ops.reserveCapacity(n)
        for _ in 0..<n {
            guard let replica = ReplicaID(try table.read(from: &r, max: 64)) else {
                throw WireError(.malformed, "invalid replica id in an op at byte \(r.offset)")
            }
            let counter = (lastCounter[replica] ?? 0) &+ UInt64(bitPattern: try r.zigzag())
            guard counter > 0 else { throw WireError(.malformed, "op counter 0 at byte \(r.offset)") }
            lastCounter[replica] = counter
            lastWall = lastWall &+ UInt64(bitPattern: try r.zigzag())
            let logical = try r.varint()
            guard logical <= UInt64(UInt32.max) else { throw WireError(.malformed, "logical clock over 32 bits") }
            guard let subject = EntityID(try table.read(from: &r, max: 128)) else {
                throw WireError(.malformed, "invalid subject id in an op at byte \(r.offset)")
            }
            let kind = OpKind(rawValue: try r.varint())
            let length = try r.count(max: WireLimits.maxOpPayloadBytes, "op payload length")
            guard length <= r.remaining else { throw WireError(.truncated, "op payload of \(length) bytes, \(r.remaining) left") }
            var sub = WireReader(r.bytes, from: r.offset, to: r.offset + length)
            try r.skip(length)
            let body: OpBody
            if OpKind.known.contains(kind) {
                var coder = OpPayload(table: table)
                coder.baseWall = lastWall
                body = try coder.decode(kind: kind, from: &sub)
            } else {
                body = .unknown(UnknownOp(kind: kind, payload: try sub.raw(length)))
            }
            ops.append(Op(id: OpID(replica: replica, counter: counter), wallMillis: lastWall, logical: UInt32(logical), subject: subject, body: body))
        }
        return ops
    }
}
