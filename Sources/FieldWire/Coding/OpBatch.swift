import FieldModel

/// A list of ops inside one message (SPEC §4.1), laid out as four streams so that
/// zstd sees structure, times, free text and hashes each on their own:
///
/// `count | 4 stream lengths | structure | times | text | hashes`
///
/// Per op the structure stream starts with a head byte: the kind (bits 0–4; 31 means a
/// varint kind follows), bit 5 "same subject as the previous op", bit 6 "the previous
/// op's replica, its next counter, logical clock 0". What the bits do not imply follows:
/// the replica (string table), the counter as a delta from that replica's previous op in
/// the batch, the logical clock, the subject (string table). The times stream has the
/// wall time as a delta in seconds from the previous op. Payload fields go to the stream
/// of their type.
enum OpBatch {
    static let kindBits: UInt8 = 0x1F
    static let sameSubject: UInt8 = 0x20
    static let nextOfReplica: UInt8 = 0x40

    /// The batch as segments: a header, then each stream. The frame's compressor ends a
    /// zstd block at each segment boundary.
    static func encode(_ ops: [Op]) -> [[UInt8]] {
        var sink = BatchSink()
        var lastCounter: [ReplicaID: UInt64] = [:]
        var lastWall: UInt64 = 0
        var previous: Op?
        for op in ops {
            let kind = op.body.kind.rawValue
            var head: UInt8 = kind < UInt64(kindBits) ? UInt8(kind) : kindBits
            let sameSubject = previous?.subject == op.subject
            let next =
                previous?.id.replica == op.id.replica && op.id.counter == (previous?.id.counter ?? 0) &+ 1
                && op.stamp.logical == 0
            if sameSubject { head |= Self.sameSubject }
            if next { head |= Self.nextOfReplica }
            sink.byte(head)
            if head & kindBits == kindBits { sink.uint(kind) }
            if !next {
                sink.name(op.id.replica.rawValue)
                sink.sint(Int64(bitPattern: op.id.counter &- (lastCounter[op.id.replica] ?? 0)))
                sink.uint(UInt64(op.stamp.logical))
            }
            lastCounter[op.id.replica] = op.id.counter
            if !sameSubject { sink.name(op.subject.rawValue) }
            previous = op
            sink.times.zigzag(WireTime.delta(op.stamp.wallMillis, from: lastWall))
            lastWall = op.stamp.wallMillis
            sink.base = op.stamp.wallMillis
            if case .unknown(let u) = op.body {
                sink.structure.blob(u.payload)
            } else if case .entity = op.body {
                // Kinds past 7 travel self-contained (SPEC §4.9), so a reader that does not
                // know them can keep and forward their bytes.
                sink.structure.blob(OpPayloadCodec.encode(op.body))
            } else {
                OpPayload.encode(op.body, to: &sink)
            }
        }
        var header = WireWriter(capacity: 24)
        header.varint(UInt64(ops.count))
        for stream in [sink.structure, sink.times, sink.texts, sink.hashes] { header.varint(UInt64(stream.bytes.count)) }
        return [header.bytes, sink.structure.bytes, sink.times.bytes, sink.texts.bytes, sink.hashes.bytes]
    }

    static func decode(from r: inout WireReader) throws(WireError) -> [Op] {
        let n = try r.count(max: WireLimits.maxOpsPerMessage, "op count")
        var lengths: [Int] = []
        for name in ["structure", "times", "text", "hashes"] {
            lengths.append(try r.count(max: WireLimits.maxPayloadBytes, "\(name) stream length"))
        }
        // The smallest op the spec allows is one head byte in the structure stream (kind
        // 1–30, same subject, next counter of the previous op's replica; a note's payload
        // is all text and times) and one wall delta in the times stream: a count cannot
        // reserve more ops than that. (A guard of 6 bytes per op refused real pushes.)
        guard n <= min(lengths[0], lengths[1]) else {
            throw WireError(.truncated, "\(n) ops cannot fit in \(lengths[0]) bytes of structure and \(lengths[1]) of times")
        }
        var readers: [WireReader] = []
        for length in lengths {
            guard length <= r.remaining else { throw WireError(.truncated, "a stream of \(length) bytes, \(r.remaining) left") }
            readers.append(WireReader(r.bytes, from: r.offset, to: r.offset + length))
            try r.skip(length)
        }
        var source = BatchSource(structure: readers[0], times: readers[1], texts: readers[2], hashes: readers[3])
        var lastCounter: [ReplicaID: UInt64] = [:]
        var lastWall: UInt64 = 0
        var ops: [Op] = []
        ops.reserveCapacity(n)
        for _ in 0..<n {
            let head = try source.byte()
            guard head & 0x80 == 0 else { throw WireError(.malformed, "op head \(head) sets a reserved bit") }
            let kind = OpKind(rawValue: head & kindBits == kindBits ? try source.uint() : UInt64(head & kindBits))
            let replica: ReplicaID
            let counter: UInt64
            let logical: UInt64
            if head & nextOfReplica != 0 {
                guard let previous = ops.last else { throw WireError(.malformed, "the first op of a batch cannot follow a previous one") }
                replica = previous.id.replica
                counter = previous.id.counter &+ 1
                logical = 0
            } else {
                guard let r = ReplicaID(try source.name(max: 64)) else {
                    throw WireError(.malformed, "invalid replica id in an op")
                }
                replica = r
                counter = (lastCounter[replica] ?? 0) &+ UInt64(bitPattern: try source.sint())
                logical = try source.uint()
            }
            guard counter > 0 else { throw WireError(.malformed, "op counter 0") }
            guard logical <= UInt64(UInt32.max) else { throw WireError(.malformed, "logical clock over 32 bits") }
            lastCounter[replica] = counter
            let subject: EntityID
            if head & sameSubject != 0 {
                guard let previous = ops.last else { throw WireError(.malformed, "the first op of a batch cannot reuse a subject") }
                subject = previous.subject
            } else {
                guard let s = EntityID(try source.name(max: 128)) else {
                    throw WireError(.malformed, "invalid subject id in an op")
                }
                subject = s
            }
            lastWall = try WireTime.apply(try source.times.zigzag(), to: lastWall)
            source.base = lastWall
            let body: OpBody =
                OpKind.known.contains(kind)
                ? try OpPayload.decode(kind: kind, from: &source)
                : try OpPayloadCodec.decode(kind: kind, payload: try source.structure.blob(max: WireLimits.maxOpPayloadBytes))
            ops.append(Op(id: OpID(replica: replica, counter: counter), wallMillis: lastWall, logical: UInt32(logical), subject: subject, body: body))
        }
        guard source.isAtEnd else { throw WireError(.malformed, "bytes left in an op batch's streams after its last op") }
        return ops
    }
}
