import FieldModel

/// Encodes and decodes the payload of each op kind (Protocol/SPEC.md §4).
///
/// Payloads of known kinds may write strings through a message's string table; a payload
/// of a kind this version does not know is carried as opaque bytes and forwarded as is,
/// which is why kinds added later must be self-contained (SPEC §4.9).
struct OpPayload {
    var strings: StringCoder
    /// Device times in payloads are written relative to this (the op's stamp in a
    /// message, 0 when self-contained): they are usually within seconds of it.
    var baseWall: UInt64 = 0

    init(table: StringTable?) { strings = StringCoder(table: table) }

    private func time(_ t: UInt64, to w: inout WireWriter) { w.zigzag(Int64(bitPattern: t &- baseWall)) }
    private func time(from r: inout WireReader) throws(WireError) -> UInt64 {
        baseWall &+ UInt64(bitPattern: try r.zigzag())
    }

    mutating func encode(_ body: OpBody, to w: inout WireWriter) {
        switch body {
        case .ticketCreated(let c):
            time(c.at, to: &w)
            w.varint(UInt64(c.fields.count))
            for (name, value) in c.fields.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                strings.write(name, to: &w)
                w.string(value)
            }
        case .fieldSet(let f):
            strings.write(f.field, to: &w)
            w.string(f.value)
            opIDs(f.replaces, to: &w)
        case .lifecycle(let e):
            w.varint(UInt64(e.kind.rawValue))
            time(e.at, to: &w)
            opIDs(e.after, to: &w)
            var flags: UInt8 = 0
            if e.assignee != nil { flags |= 1 }
            if e.position != nil { flags |= 2 }
            if e.position?.accuracyMetres != nil { flags |= 4 }
            if e.reason != nil { flags |= 8 }
            if !e.replaces.isEmpty { flags |= 16 }
            w.byte(flags)
            if let a = e.assignee { strings.write(a, to: &w) }
            if let p = e.position {
                w.zigzag(Int64((p.latitude * Position.degreeScale).rounded()))
                w.zigzag(Int64((p.longitude * Position.degreeScale).rounded()))
                if let acc = p.accuracyMetres { w.varint(UInt64((acc * Position.accuracyScale).rounded())) }
            }
            if let r = e.reason { w.string(r) }
            if !e.replaces.isEmpty { opIDs(e.replaces, to: &w) }
        case .note(let n):
            time(n.at, to: &w)
            w.string(n.text)
        case .partAdded(let p):
            strings.write(p.partNumber, to: &w)
            w.zigzag(p.quantity.thousandths)
            strings.write(p.unit, to: &w)
            strings.write(p.location, to: &w)
        case .partRemoved(let r):
            opID(r.line, to: &w)
        case .attachmentAdded(let a):
            w.byte(a.kind.rawValue)
            w.raw(a.sha256.bytes)
            w.varint(a.byteSize)
            strings.write(a.mediaType, to: &w)
            w.string(a.caption)
            if let s = a.signature {
                w.byte(1)
                w.string(s.signer)
                time(s.signedAt, to: &w)
                w.raw(s.summarySHA256.bytes)
            } else {
                w.byte(0)
            }
        case .unknown(let u):
            w.raw(u.payload)
        }
    }

    /// Decodes a payload of `kind` that spans exactly `r`'s remaining bytes.
    mutating func decode(kind: OpKind, from r: inout WireReader) throws(WireError) -> OpBody {
        let body: OpBody
        switch kind {
        case .ticketCreated:
            let at = try time(from: &r)
            let n = try r.count(max: 256, "field count")
            var fields: [String: String] = [:]
            for _ in 0..<n {
                let name = try strings.read(from: &r, max: 256)
                fields[name] = try r.string()
            }
            body = .ticketCreated(TicketCreated(fields: fields, at: at))
        case .fieldSet:
            let field = try strings.read(from: &r, max: 256)
            let value = try r.string()
            body = .fieldSet(FieldWrite(field: field, value: value, replaces: try opIDs(from: &r)))
        case .lifecycle:
            let raw = try r.varint()
            guard raw <= 255, let step = LifecycleKind(rawValue: UInt8(raw)) else {
                throw WireError(.malformed, "unknown lifecycle step \(raw)")
            }
            let at = try time(from: &r)
            let after = try opIDs(from: &r)
            let flags = try r.byte()
            guard flags & ~0x1F == 0 else { throw WireError(.malformed, "unknown lifecycle flags \(flags)") }
            let assignee = flags & 1 != 0 ? try strings.read(from: &r, max: 256) : nil
            var position: Position?
            if flags & 2 != 0 {
                let lat = Double(try r.zigzag()) / Position.degreeScale
                let lon = Double(try r.zigzag()) / Position.degreeScale
                let acc = flags & 4 != 0 ? Double(try r.varint()) / Position.accuracyScale : nil
                position = Position(latitude: lat, longitude: lon, accuracyMetres: acc)
            } else if flags & 4 != 0 {
                throw WireError(.malformed, "accuracy without a position")
            }
            let reason = flags & 8 != 0 ? try r.string() : nil
            let replaces = flags & 16 != 0 ? try opIDs(from: &r) : []
            body = .lifecycle(
                LifecycleEvent(
                    kind: step, at: at, after: after, assignee: assignee, replaces: replaces, position: position,
                    reason: reason))
        case .note:
            let at = try time(from: &r)
            body = .note(Note(text: try r.string(), at: at))
        case .partAdded:
            let number = try strings.read(from: &r, max: 256)
            let q = try r.zigzag()
            let unit = try strings.read(from: &r, max: 64)
            let location = try strings.read(from: &r, max: 256)
            body = .partAdded(PartLine(partNumber: number, quantity: Quantity(thousandths: q), unit: unit, location: location))
        case .partRemoved:
            body = .partRemoved(PartRemoval(line: try opID(from: &r)))
        case .attachmentAdded:
            let rawKind = try r.byte()
            guard let k = Attachment.Kind(rawValue: rawKind) else {
                throw WireError(.malformed, "unknown attachment kind \(rawKind)")
            }
            let hash = try digest(from: &r)
            let size = try r.varint()
            let media = try strings.read(from: &r, max: 256)
            let caption = try r.string()
            var signature: Signature?
            switch try r.byte() {
            case 0: break
            case 1:
                let signer = try r.string(max: 1024)
                let at = try time(from: &r)
                signature = Signature(signer: signer, signedAt: at, summarySHA256: try digest(from: &r))
            case let b: throw WireError(.malformed, "bad signature flag \(b)")
            }
            body = .attachmentAdded(
                Attachment(kind: k, sha256: hash, byteSize: size, mediaType: media, caption: caption, signature: signature))
        default:
            body = .unknown(UnknownOp(kind: kind, payload: try r.raw(r.remaining)))
        }
        guard r.isAtEnd else { throw WireError(.malformed, "\(r.remaining) unexpected bytes after a \(kind) payload") }
        return body
    }

    func digest(from r: inout WireReader) throws(WireError) -> Digest {
        guard let d = Digest(bytes: try r.raw(32)) else { throw WireError(.truncated, "a hash needs 32 bytes") }
        return d
    }

    mutating func opID(_ id: OpID, to w: inout WireWriter) {
        strings.write(id.replica.rawValue, to: &w)
        w.varint(id.counter)
    }

    mutating func opID(from r: inout WireReader) throws(WireError) -> OpID {
        let raw = try strings.read(from: &r, max: 64)
        guard let replica = ReplicaID(raw) else { throw WireError(.malformed, "invalid replica id") }
        let counter = try r.varint()
        guard counter > 0 else { throw WireError(.malformed, "op counter 0") }
        return OpID(replica: replica, counter: counter)
    }

    mutating func opIDs(_ ids: [OpID], to w: inout WireWriter) {
        w.varint(UInt64(ids.count))
        for id in ids { opID(id, to: &w) }
    }

    mutating func opIDs(from r: inout WireReader) throws(WireError) -> [OpID] {
        let n = try r.count(max: 4096, "id count")
        var out: [OpID] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try opID(from: &r)) }
        return out
    }
}

/// The self-contained encoding of one op's payload, as the store keeps it and as it is
/// forwarded when its kind is unknown.
public enum OpPayloadCodec {
    public static func encode(_ body: OpBody) -> [UInt8] {
        var w = WireWriter(capacity: 64)
        var coder = OpPayload(table: nil)
        coder.encode(body, to: &w)
        return w.bytes
    }

    public static func decode(kind: OpKind, payload: [UInt8]) throws(WireError) -> OpBody {
        var r = WireReader(payload)
        var coder = OpPayload(table: nil)
        return try coder.decode(kind: kind, from: &r)
    }
}
