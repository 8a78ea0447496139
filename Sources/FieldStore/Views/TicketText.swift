import FieldModel

/// Renders a ticket for a terminal: fields, status, timeline with device times, notes,
/// part lines, attachments and open conflicts.
public enum TicketText {
    /// Extra facts about attachments the model does not know (local, pending, remote).
    public typealias AttachmentState = (Digest) -> String?

    public static func render(_ ticket: Ticket, attachmentState: AttachmentState = { _ in nil }) -> String {
        var out: [String] = []
        let title = [ticket.value(Field.customer), ticket.value(Field.site)].compactMap { $0 }.joined(separator: " · ")
        out.append("Ticket \(ticket.id)  [\(ticket.status)]  \(title)")
        let conflicted = Set(ticket.conflicts.map(\.subject))
        for name in ticket.fieldNames where name != Field.customer && name != Field.site {
            guard let value = ticket.value(name) else { continue }
            let flag = conflicted.contains(name) ? "  ⚠ conflict" : ""
            out.append("  \(pad(name, 14)) \(oneLine(value))\(flag)")
        }
        out.append("")
        out.append("Timeline")
        for e in ticket.timeline {
            var line = "  \(UTCTime.iso8601(millis: e.at))  \(pad(e.kind.description, 10))"
            if let a = e.assignee, !a.isEmpty { line += " → \(a)" }
            if let p = e.position {
                line += " at \(p.latitude), \(p.longitude)"
                if let acc = p.accuracyMetres { line += " ±\(format(acc)) m" }
            }
            if let r = e.reason, !r.isEmpty { line += " (\(oneLine(r)))" }
            line += "   by \(e.id.replica)"
            if let skew = clockSkewNote(at: e.at, stamp: e.stamp) { line += "  ⚠ \(skew)" }
            out.append(line)
        }
        if !ticket.notes.isEmpty {
            out.append("")
            out.append("Notes")
            for n in ticket.notes {
                out.append("  \(UTCTime.iso8601(millis: n.note.at))  \(n.id.replica): \(oneLine(n.note.text))")
            }
        }
        if !ticket.parts.isEmpty {
            out.append("")
            out.append("Parts used")
            for p in ticket.parts {
                out.append(
                    "  \(pad(p.id.description, 16)) \(pad(p.line.partNumber, 12)) \(p.line.quantity) \(p.line.unit) from \(p.line.location)"
                )
            }
        }
        if !ticket.attachments.isEmpty {
            out.append("")
            out.append("Attachments")
            for a in ticket.attachments {
                var line = "  \(pad(a.attachment.kind.description, 9)) \(a.attachment.sha256.hex.prefix(12))  \(bytes(a.attachment.byteSize))"
                if let s = a.attachment.signature { line += "  signed by \(s.signer) at \(UTCTime.iso8601(millis: s.signedAt))" }
                if !a.attachment.caption.isEmpty { line += "  \"\(oneLine(a.attachment.caption))\"" }
                if let state = attachmentState(a.attachment.sha256) { line += "  [\(state)]" }
                out.append(line)
            }
        }
        let conflicts = ticket.conflicts
        if !conflicts.isEmpty {
            out.append("")
            out.append("Conflicts (settle with `fieldsync resolve \(ticket.id) FIELD VALUE`)")
            for c in conflicts { out.append("  " + describe(c)) }
        }
        return out.joined(separator: "\n")
    }

    /// Device times more than this far from the op's clock stamp are flagged: 2 min.
    public static let skewTolerance: UInt64 = 2 * 60_000

    /// Says how far a device time was from the stamp (the device clock corrected by the
    /// offset the node measured), when over ``skewTolerance``.
    public static func clockSkewNote(at: UInt64, stamp: Timestamp) -> String? {
        let diff = at > stamp.wallMillis ? at - stamp.wallMillis : stamp.wallMillis - at
        guard diff > skewTolerance else { return nil }
        return "device clock \(diff / 60_000) min \(at > stamp.wallMillis ? "fast" : "slow")"
    }

    /// One line per conflict: the subject and every concurrent value, shown one first.
    public static func describe(_ conflict: Conflict) -> String {
        switch conflict {
        case .field(let name, let values):
            let list = values.enumerated().map { i, v in
                "\"\(oneLine(v.value))\" (\(v.id.replica)\(i == 0 ? ", shown" : ""))"
            }
            return "\(name): " + list.joined(separator: " vs ")
        case .lifecycle(let events):
            let list = events.map { "\($0.kind) at \(UTCTime.iso8601(millis: $0.at)) (\($0.id.replica))" }
            return "status: " + list.joined(separator: " vs ")
        }
    }

    package static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ")
    }

    static func format(_ d: Double) -> String {
        d == d.rounded() ? String(Int(d)) : String(d)
    }

    static func bytes(_ n: UInt64) -> String {
        if n >= 1 << 20 { return "\(n / (1 << 20)).\((n % (1 << 20)) * 10 / (1 << 20)) MB" }
        if n >= 1 << 10 { return "\(n / (1 << 10)) KB" }
        return "\(n) B"
    }
}
