import FieldModel

/// Encodes and decodes the payload of each known op kind (Protocol/SPEC.md §4), into
/// any ``PayloadSink``: the streams of a message's op batch, or one self-contained
/// buffer. A payload of a kind this version does not know is never decoded: its bytes
/// are kept and forwarded as they came (SPEC §4.9).
enum OpPayload {
    static func encode<S: PayloadSink>(_ body: OpBody, to s: inout S) {
        switch body {
        case .ticketCreated(let c):
            s.time(c.at)
            s.uint(UInt64(c.fields.count))
            for (name, value) in c.fields.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                s.name(name)
                s.text(value)
            }
        case .fieldSet(let f):
            s.name(f.field)
            s.text(f.value)
            opIDs(f.replaces, to: &s)
        case .lifecycle(let e):
            s.uint(UInt64(e.kind.rawValue))
            s.time(e.at)
            opIDs(e.after, to: &s)
            var flags: UInt8 = 0
            if e.assignee != nil { flags |= 1 }
            if e.position != nil { flags |= 2 }
            if e.position?.accuracyMetres != nil { flags |= 4 }
            if e.reason != nil { flags |= 8 }
            if !e.replaces.isEmpty { flags |= 16 }
            s.byte(flags)
            if let a = e.assignee { s.name(a) }
            if let p = e.position {
                s.sint(Saturating.int64((p.latitude * Position.degreeScale).rounded()))
                s.sint(Saturating.int64((p.longitude * Position.degreeScale).rounded()))
                if let acc = p.accuracyMetres { s.uint(Saturating.uint64((acc * Position.accuracyScale).rounded())) }
            }
            if let r = e.reason { s.text(r) }
            if !e.replaces.isEmpty { opIDs(e.replaces, to: &s) }
        case .note(let n):
            s.time(n.at)
            s.text(n.text)
        case .partAdded(let p):
            s.name(p.partNumber)
            s.sint(p.quantity.thousandths)
            s.name(p.unit)
            s.name(p.location)
        case .partRemoved(let r):
            opID(r.line, to: &s)
        case .attachmentAdded(let a):
            s.byte(a.kind.rawValue)
            s.hash(a.sha256)
            s.uint(a.byteSize)
            s.name(a.mediaType)
            s.text(a.caption)
            if let sig = a.signature {
                s.byte(1)
                s.text(sig.signer)
                s.time(sig.signedAt)
                s.hash(sig.summarySHA256)
            } else {
                s.byte(0)
            }
        case .entity(let e):
            EntityOpCodecs.codec(for: e.kind)?.encodeAny(e.body, to: &s)
        case .unknown:
            // Carried as bytes by the caller (OpBatch, OpPayloadCodec); never re-encoded.
            break
        }
    }

    static func decode<S: PayloadSource>(kind: OpKind, from s: inout S) throws(WireError) -> OpBody {
        switch kind {
        case .ticketCreated:
            let at = try s.time()
            let n = try s.count(max: 256, "field count")
            var fields: [String: String] = [:]
            for _ in 0..<n {
                let name = try s.name(max: 256)
                fields[name] = try s.text()
            }
            return .ticketCreated(TicketCreated(fields: fields, at: at))
        case .fieldSet:
            let field = try s.name(max: 256)
            let value = try s.text()
            return .fieldSet(FieldWrite(field: field, value: value, replaces: try opIDs(from: &s)))
        case .lifecycle:
            let raw = try s.uint()
            guard raw <= 255, let step = LifecycleKind(rawValue: UInt8(raw)) else {
                throw WireError(.malformed, "unknown lifecycle step \(raw)")
            }
            let at = try s.time()
            let after = try opIDs(from: &s)
            let flags = try s.byte()
            guard flags & ~0x1F == 0 else { throw WireError(.malformed, "unknown lifecycle flags \(flags)") }
            guard flags & 4 == 0 || flags & 2 != 0 else { throw WireError(.malformed, "accuracy without a position") }
            let assignee = flags & 1 != 0 ? try s.name(max: 256) : nil
            var position: Position?
            if flags & 2 != 0 {
                let lat = Double(try s.sint()) / Position.degreeScale
                let lon = Double(try s.sint()) / Position.degreeScale
                let acc = flags & 4 != 0 ? Double(try s.uint()) / Position.accuracyScale : nil
                position = Position(latitude: lat, longitude: lon, accuracyMetres: acc)
            }
            let reason = flags & 8 != 0 ? try s.text() : nil
            let replaces = flags & 16 != 0 ? try opIDs(from: &s) : []
            if flags & 16 != 0 && replaces.isEmpty { throw WireError(.malformed, "flag 'replaces' with no ids") }
            return .lifecycle(
                LifecycleEvent(
                    kind: step, at: at, after: after, assignee: assignee, replaces: replaces, position: position,
                    reason: reason))
        case .note:
            let at = try s.time()
            return .note(Note(text: try s.text(), at: at))
        case .partAdded:
            let number = try s.name(max: 256)
            let q = try s.sint()
            let unit = try s.name(max: 64)
            let location = try s.name(max: 256)
            return .partAdded(PartLine(partNumber: number, quantity: Quantity(thousandths: q), unit: unit, location: location))
        case .partRemoved:
            return .partRemoved(PartRemoval(line: try opID(from: &s)))
        case .attachmentAdded:
            let rawKind = try s.byte()
            guard let k = Attachment.Kind(rawValue: rawKind) else {
                throw WireError(.malformed, "unknown attachment kind \(rawKind)")
            }
            let hash = try s.hash()
            let size = try s.uint()
            let media = try s.name(max: 256)
            let caption = try s.text()
            var signature: Signature?
            switch try s.byte() {
            case 0: break
            case 1:
                let signer = try s.text()
                let at = try s.time()
                signature = Signature(signer: signer, signedAt: at, summarySHA256: try s.hash())
            case let b: throw WireError(.malformed, "bad signature flag \(b)")
            }
            return .attachmentAdded(
                Attachment(kind: k, sha256: hash, byteSize: size, mediaType: media, caption: caption, signature: signature))
        default:
            guard let codec = EntityOpCodecs.codec(for: kind) else {
                throw WireError(.malformed, "kind \(kind.rawValue) has no payload decoder")
            }
            return .entity(try codec.decodeAny(from: &s))
        }
    }

    static func opID<S: PayloadSink>(_ id: OpID, to s: inout S) {
        s.name(id.replica.rawValue)
        s.uint(id.counter)
    }

    static func opID<S: PayloadSource>(from s: inout S) throws(WireError) -> OpID {
        let raw = try s.name(max: 64)
        guard let replica = ReplicaID(raw) else { throw WireError(.malformed, "invalid replica id") }
        let counter = try s.uint()
        guard counter > 0 else { throw WireError(.malformed, "op counter 0") }
        return OpID(replica: replica, counter: counter)
    }

    static func opIDs<S: PayloadSink>(_ ids: [OpID], to s: inout S) {
        s.uint(UInt64(ids.count))
        for id in ids { opID(id, to: &s) }
    }

    static func opIDs<S: PayloadSource>(from s: inout S) throws(WireError) -> [OpID] {
        let n = try s.count(max: 4096, "id count")
        var out: [OpID] = []
        for _ in 0..<n { out.append(try opID(from: &s)) }
        return out
    }
}

/// The self-contained encoding of one op's payload, as the store keeps it and as it is
/// forwarded when its kind is unknown.
public enum OpPayloadCodec {
    public static func encode(_ body: OpBody) -> [UInt8] {
        if case .unknown(let u) = body { return u.payload }
        var sink = InlineSink()
        OpPayload.encode(body, to: &sink)
        return sink.w.bytes
    }

    public static func decode(kind: OpKind, payload: [UInt8]) throws(WireError) -> OpBody {
        guard EntityOpCodecs.decodes(kind) else { return .unknown(UnknownOp(kind: kind, payload: payload)) }
        var source = InlineSource(r: WireReader(payload))
        let body = try OpPayload.decode(kind: kind, from: &source)
        guard source.r.isAtEnd else { throw WireError(.malformed, "\(source.r.remaining) unexpected bytes after a \(kind) payload") }
        return body
    }
}
