/// What `fieldsync check` and `fieldsync-node check` found in a replica file.
public struct CheckReport: Sendable, Codable {
    /// A ticket row whose stored state is not what its ops give.
    public struct TicketMismatch: Sendable, Hashable, Codable {
        public let ticket: String
        /// The digest in the `tickets` row; nil if the row is missing.
        public let stored: String?
        /// The digest of the ticket derived from its readable ops; nil if it has none.
        public let derived: String?

        public init(ticket: String, stored: String?, derived: String?) {
            self.ticket = ticket
            self.stored = stored
            self.derived = derived
        }
    }

    /// `full` (integrity check, every op, every ticket) or `quick` (quick check and this
    /// replica's unsynced ops only).
    public var mode: String
    public var path: String
    /// The replica's id and engineer, if the file still says them.
    public var replica: String?
    public var engineer: String?
    /// SQLite's findings (`PRAGMA integrity_check` / `quick_check`); empty when it says ok.
    public var integrity: [String] = []
    public var opsChecked = 0
    public var damagedOps: [DamagedOp] = []
    public var ticketsChecked = 0
    public var ticketMismatches: [TicketMismatch] = []
    /// This replica's own ops the node has not acknowledged (`counter@replica`), oldest
    /// first: on a device, what exists nowhere else.
    public var unsyncedOps: [String] = []

    /// Whether the database's own integrity was checked here (SQLite's); PostgreSQL's is
    /// the database's to check.
    public var integrityChecked = true

    public var isClean: Bool { integrity.isEmpty && damagedOps.isEmpty && ticketMismatches.isEmpty }

    public init(mode: String, path: String) {
        self.mode = mode
        self.path = path
    }

    enum CodingKeys: String, CodingKey {
        case mode, path, replica, engineer, integrity, opsChecked, damagedOps, ticketsChecked, ticketMismatches, unsyncedOps, clean
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mode, forKey: .mode)
        try c.encode(path, forKey: .path)
        try c.encodeIfPresent(replica, forKey: .replica)
        try c.encodeIfPresent(engineer, forKey: .engineer)
        try c.encode(integrity, forKey: .integrity)
        try c.encode(opsChecked, forKey: .opsChecked)
        try c.encode(damagedOps, forKey: .damagedOps)
        try c.encode(ticketsChecked, forKey: .ticketsChecked)
        try c.encode(ticketMismatches, forKey: .ticketMismatches)
        try c.encode(unsyncedOps, forKey: .unsyncedOps)
        try c.encode(isClean, forKey: .clean)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decode(String.self, forKey: .mode)
        path = try c.decode(String.self, forKey: .path)
        replica = try c.decodeIfPresent(String.self, forKey: .replica)
        engineer = try c.decodeIfPresent(String.self, forKey: .engineer)
        integrity = try c.decode([String].self, forKey: .integrity)
        opsChecked = try c.decode(Int.self, forKey: .opsChecked)
        damagedOps = try c.decode([DamagedOp].self, forKey: .damagedOps)
        ticketsChecked = try c.decode(Int.self, forKey: .ticketsChecked)
        ticketMismatches = try c.decode([TicketMismatch].self, forKey: .ticketMismatches)
        unsyncedOps = try c.decode([String].self, forKey: .unsyncedOps)
    }
}
