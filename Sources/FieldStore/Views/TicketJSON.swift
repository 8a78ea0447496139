import FieldModel
import Foundation

/// A ticket as `--json` prints it: every field, conflict, event, note, line and
/// attachment, with times both as ISO 8601 and Unix milliseconds.
public struct TicketJSON: Codable, Sendable {
    public struct Value: Codable, Sendable {
        let value: String
        let op: String
        let by: String
    }
    public struct ConflictJSON: Codable, Sendable {
        let subject: String
        let values: [Value]
    }
    public struct Event: Codable, Sendable {
        let op: String
        let kind: String
        let at: String
        let atMillis: UInt64
        let by: String
        let assignee: String?
        let latitude: Double?
        let longitude: Double?
        let accuracyMetres: Double?
        let reason: String?
        /// Set when the device time is more than 2 min from the op's stamp.
        let clockSkew: String?
    }
    public struct NoteJSON: Codable, Sendable {
        let op: String
        let at: String
        let by: String
        let text: String
    }
    public struct Line: Codable, Sendable {
        let line: String
        let part: String
        let quantity: String
        let unit: String
        let location: String
    }
    public struct AttachmentJSON: Codable, Sendable {
        let op: String
        let kind: String
        let sha256: String
        let bytes: UInt64
        let mediaType: String
        let caption: String
        let signer: String?
        let summarySHA256: String?
        let state: String?
    }

    let id: String
    let status: String
    let fields: [String: String]
    let conflicts: [ConflictJSON]
    let timeline: [Event]
    let notes: [NoteJSON]
    let parts: [Line]
    let attachments: [AttachmentJSON]
    let digest: String

    public init(_ t: Ticket, attachmentState: (Digest) -> String? = { _ in nil }) {
        id = t.id.rawValue
        status = t.status.rawValue
        var fields: [String: String] = [:]
        for name in t.fieldNames { fields[name] = t.value(name) }
        self.fields = fields
        conflicts = t.conflicts.map { c in
            switch c {
            case .field(let name, let values):
                ConflictJSON(subject: name, values: values.map { Value(value: $0.value, op: $0.id.description, by: $0.id.replica.rawValue) })
            case .lifecycle(let events):
                ConflictJSON(subject: "status", values: events.map { Value(value: $0.kind.description, op: $0.id.description, by: $0.id.replica.rawValue) })
            }
        }
        timeline = t.timeline.map {
            Event(
                op: $0.id.description, kind: $0.kind.description, at: UTCTime.iso8601(millis: $0.at), atMillis: $0.at,
                by: $0.id.replica.rawValue, assignee: $0.assignee, latitude: $0.position?.latitude,
                longitude: $0.position?.longitude, accuracyMetres: $0.position?.accuracyMetres, reason: $0.reason,
                clockSkew: TicketText.clockSkewNote(at: $0.at, stamp: $0.stamp))
        }
        notes = t.notes.map {
            NoteJSON(op: $0.id.description, at: UTCTime.iso8601(millis: $0.note.at), by: $0.id.replica.rawValue, text: $0.note.text)
        }
        parts = t.parts.map {
            Line(line: $0.id.description, part: $0.line.partNumber, quantity: $0.line.quantity.description, unit: $0.line.unit, location: $0.line.location)
        }
        attachments = t.attachments.map {
            AttachmentJSON(
                op: $0.id.description, kind: $0.attachment.kind.description, sha256: $0.attachment.sha256.hex,
                bytes: $0.attachment.byteSize, mediaType: $0.attachment.mediaType, caption: $0.attachment.caption,
                signer: $0.attachment.signature?.signer, summarySHA256: $0.attachment.signature?.summarySHA256.hex,
                state: attachmentState($0.attachment.sha256))
        }
        digest = t.digest.hex
    }
}

/// Encodes values for `--json`: pretty, keys sorted, so output is stable for scripts.
public enum JSONOutput {
    public static func string<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
