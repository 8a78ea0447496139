import FieldModel

/// What a command recorded: the ticket, the ops, and the ticket's status after.
public struct Recorded: Sendable, Codable {
    public let ticket: String
    public let ops: [String]
    public let status: String
    /// For `part add`: the new line's id; for `photo`/`sign`: the blob's SHA-256.
    public var line: String?
    public var sha256: String?
    public var bytes: UInt64?
    /// For `sign`: the exact work summary text the customer signed, and its SHA-256.
    public var summary: String?
    public var summarySHA256: String?
    /// For `part add`: the van holds less than the quantity used (recorded all the same).
    public var warning: String?

    init(_ ticket: Ticket, _ ops: [Op]) {
        self.ticket = ticket.id.rawValue
        self.ops = ops.map(\.id.description)
        self.status = ticket.status.rawValue
    }
}

