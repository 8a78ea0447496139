import FieldModel

extension WireMessage {
    /// The body as segments (an op batch's streams are segments of their own, so the
    /// compressor can end a block between them), and the type code.
    func encodeBody() -> (type: UInt8, segments: [[UInt8]]) {
        var w = WireWriter(capacity: 64)
        switch self {
        case .hello(let h):
            w.string(h.replica.rawValue)
            w.varint(h.clock)
            Self.encode(h.have, to: &w)
            // Appended in version 1 (SPEC §3.8): written only when there is one.
            if !h.incarnation.isEmpty { w.string(h.incarnation) }
            return (TypeCode.hello.rawValue, [w.bytes])
        case .push(let p):
            return (TypeCode.push.rawValue, OpBatch.encode(p.ops))
        case .pushAck(let a):
            Self.encode(a.acked, to: &w)
            return (TypeCode.pushAck.rawValue, [w.bytes])
        case .pullRequest(let p):
            w.blob(p.cursor)
            w.varint(p.maxOps)
            return (TypeCode.pullRequest.rawValue, [w.bytes])
        case .pullPage(let p):
            w.byte(p.more ? 1 : 0)
            w.blob(p.nextCursor)
            return (TypeCode.pullPage.rawValue, [w.bytes] + OpBatch.encode(p.ops))
        case .error(let e):
            w.varint(e.code.rawValue)
            w.string(e.message)
            return (TypeCode.error.rawValue, [w.bytes])
        case .unknown(let type, let body):
            return (type, [body])
        }
    }

    /// Reads a body of `type` spanning `r`. Bytes after the fields this version knows
    /// are extension fields from a newer peer and are skipped (SPEC §3.8).
    static func decodeBody(type: UInt8, from r: inout WireReader) throws(WireError) -> WireMessage {
        guard let code = TypeCode(rawValue: type) else { return .unknown(type: type, body: try r.raw(r.remaining)) }
        switch code {
        case .hello:
            guard let replica = ReplicaID(try r.string(max: 64)) else { throw WireError(.malformed, "invalid replica id in hello") }
            let clock = try r.varint()
            let have = try decodeVector(from: &r)
            let incarnation = r.isAtEnd ? "" : try r.string(max: WireLimits.maxIncarnationBytes)
            return .hello(Hello(replica: replica, have: have, clock: clock, incarnation: incarnation))
        case .push:
            return .push(Push(ops: try OpBatch.decode(from: &r)))
        case .pushAck:
            return .pushAck(PushAck(acked: try decodeVector(from: &r)))
        case .pullRequest:
            let cursor = try r.blob(max: WireLimits.maxCursorBytes)
            return .pullRequest(PullRequest(cursor: cursor, maxOps: try r.varint()))
        case .pullPage:
            let more = try r.byte()
            guard more <= 1 else { throw WireError(.malformed, "'more' flag must be 0 or 1, got \(more)") }
            let cursor = try r.blob(max: WireLimits.maxCursorBytes)
            return .pullPage(PullPage(ops: try OpBatch.decode(from: &r), nextCursor: cursor, more: more == 1))
        case .error:
            let code = ErrorCode(rawValue: try r.varint())
            return .error(ErrorMessage(code: code, message: try r.string(max: 4096)))
        }
    }

    static func encode(_ v: VersionVector, to w: inout WireWriter) {
        let entries = v.sorted
        w.varint(UInt64(entries.count))
        for (replica, counter) in entries {
            w.string(replica.rawValue)
            w.varint(counter)
        }
    }

    static func decodeVector(from r: inout WireReader) throws(WireError) -> VersionVector {
        let n = try r.count(max: WireLimits.maxReplicas, "replica count")
        var v = VersionVector()
        for _ in 0..<n {
            guard let replica = ReplicaID(try r.string(max: 64)) else { throw WireError(.malformed, "invalid replica id in a version vector") }
            v[replica] = try r.varint()
        }
        return v
    }
}
