import FieldModel
import FieldWire
import Foundation

/// Renders decoded messages as the JSON the vector files hold (Protocol/vectors), so a
/// second implementation can compare its decoding field by field. Keys sorted; 64-bit
/// integers as numbers; doubles, hashes and raw bytes as strings.
package enum WireJSON {
    package static func render(_ messages: [WireMessage]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: messages.map(message), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func vector(_ v: VersionVector) -> [String: Any] {
        Dictionary(uniqueKeysWithValues: v.sorted.map { ($0.0.rawValue, NSNumber(value: $0.1)) })
    }

    static func message(_ m: WireMessage) -> [String: Any] {
        switch m {
        case .hello(let h): ["type": "hello", "replica": h.replica.rawValue, "clock": NSNumber(value: h.clock), "have": vector(h.have)]
        case .push(let p): ["type": "push", "ops": p.ops.map(op)]
        case .pushAck(let a): ["type": "push-ack", "acked": vector(a.acked)]
        case .pullRequest(let p): ["type": "pull-request", "cursor": hex(p.cursor), "maxOps": NSNumber(value: p.maxOps)]
        case .pullPage(let p): ["type": "pull-page", "ops": p.ops.map(op), "nextCursor": hex(p.nextCursor), "more": p.more]
        case .error(let e): ["type": "error", "code": NSNumber(value: e.code.rawValue), "codeName": e.code.description, "message": e.message]
        case .unknown(let type, let body): ["type": "unknown", "typeCode": Int(type), "body": hex(body)]
        }
    }

    static func ids(_ ids: [OpID]) -> [String] { ids.map(\.description) }

    static func op(_ op: Op) -> [String: Any] {
        var o: [String: Any] = [
            "id": op.id.description, "wall": NSNumber(value: op.stamp.wallMillis), "logical": Int(op.stamp.logical),
            "subject": op.subject.rawValue, "kind": op.body.kind.description,
        ]
        switch op.body {
        case .ticketCreated(let c):
            o["at"] = NSNumber(value: c.at)
            o["fields"] = c.fields
        case .fieldSet(let f):
            o["field"] = f.field
            o["value"] = f.value
            o["replaces"] = ids(f.replaces)
        case .lifecycle(let e):
            o["step"] = e.kind.description
            o["at"] = NSNumber(value: e.at)
            o["after"] = ids(e.after)
            if let a = e.assignee { o["assignee"] = a }
            if !e.replaces.isEmpty { o["replaces"] = ids(e.replaces) }
            if let p = e.position {
                o["latitude"] = "\(p.latitude)"
                o["longitude"] = "\(p.longitude)"
                if let acc = p.accuracyMetres { o["accuracyMetres"] = "\(acc)" }
            }
            if let r = e.reason { o["reason"] = r }
        case .note(let n):
            o["at"] = NSNumber(value: n.at)
            o["text"] = n.text
        case .partAdded(let p):
            o["part"] = p.partNumber
            o["quantity"] = p.quantity.description
            o["unit"] = p.unit
            o["location"] = p.location
        case .partRemoved(let r):
            o["line"] = r.line.description
        case .attachmentAdded(let a):
            o["attachment"] = a.kind.description
            o["sha256"] = a.sha256.hex
            o["bytes"] = NSNumber(value: a.byteSize)
            o["mediaType"] = a.mediaType
            o["caption"] = a.caption
            if let s = a.signature {
                o["signer"] = s.signer
                o["signedAt"] = NSNumber(value: s.signedAt)
                o["summarySHA256"] = s.summarySHA256.hex
            }
        case .entity(let e):
            o["kindCode"] = NSNumber(value: e.kind.rawValue)
            o["payload"] = hex(OpPayloadCodec.encode(op.body))
        case .unknown(let u):
            o["kindCode"] = NSNumber(value: u.kind.rawValue)
            o["payload"] = hex(u.payload)
        }
        return o
    }
}
