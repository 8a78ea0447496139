/// What a customer signs: the ticket, when the engineer arrived and completed, the parts
/// used and the resolution, as canonical UTF-8 text. Every replica renders the same
/// state to the same bytes, so the SHA-256 a signature carries can be checked anywhere.
///
/// The text is the exact bytes hashed; each line is `key: value`, parts sorted by line
/// id, newlines and backslashes in values escaped as `\n` and `\\`:
/// ```
/// FieldSync work summary v1
/// ticket: T1-central
/// arrived: 2026-11-23T09:14:05Z
/// completed: 2026-11-23T11:02:40Z
/// part: 7@e17-tab PN-4471 2 pcs from van:E17
/// resolution: Replaced the fan capacitor
/// ```
public struct WorkSummary: Hashable, Sendable {
    public struct Line: Hashable, Sendable {
        public let id: OpID
        public let partNumber: String
        public let quantity: Quantity
        public let unit: String
        public let location: String
    }

    public let ticket: TicketID
    /// Device time of the first arrival, if any.
    public let arrivedAt: UInt64?
    /// Device time of the latest completion, if any.
    public let completedAt: UInt64?
    public let parts: [Line]
    public let resolution: String?

    public init(ticket: Ticket) {
        self.ticket = ticket.id
        let timeline = ticket.timeline
        arrivedAt = timeline.first { $0.kind == .step(.arrived) }?.at
        completedAt = timeline.last { $0.kind == .step(.completed) }?.at
        parts = ticket.parts.map {
            Line(
                id: $0.id, partNumber: $0.line.partNumber, quantity: $0.line.quantity, unit: $0.line.unit,
                location: $0.line.location)
        }.sorted { $0.id < $1.id }
        resolution = ticket.value(Field.resolution)
    }

    /// The canonical text.
    public var text: String {
        var lines = ["FieldSync work summary v1", "ticket: \(Self.escape(ticket.rawValue))"]
        lines.append("arrived: " + (arrivedAt.map { UTCTime.iso8601(millis: $0) } ?? "-"))
        lines.append("completed: " + (completedAt.map { UTCTime.iso8601(millis: $0) } ?? "-"))
        for p in parts {
            lines.append(
                "part: \(p.id) \(Self.escape(p.partNumber)) \(p.quantity) \(Self.escape(p.unit)) from \(Self.escape(p.location))"
            )
        }
        lines.append("resolution: " + (resolution.map(Self.escape) ?? "-"))
        return lines.joined(separator: "\n") + "\n"
    }

    public var bytes: [UInt8] { Array(text.utf8) }
    public var sha256: Digest { SHA256.hash(bytes) }

    /// What differs between the summary a signature was given for and this one, in
    /// words (empty when they are the same).
    public func changes(since signed: WorkSummary) -> [String] {
        var out: [String] = []
        if signed.arrivedAt != arrivedAt { out.append("arrival time changed") }
        if signed.completedAt != completedAt { out.append("completion time changed") }
        let before = Set(signed.parts), now = Set(parts)
        for p in parts where !before.contains(p) { out.append("part added: \(p.quantity) \(p.unit) \(p.partNumber)") }
        for p in signed.parts where !now.contains(p) {
            out.append("part removed: \(p.quantity) \(p.unit) \(p.partNumber)")
        }
        if signed.resolution != resolution { out.append("resolution changed") }
        return out
    }

    private static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.append(ch)
            }
        }
        return out
    }
}
