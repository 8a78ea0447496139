import FieldModel
import GRDB

extension ReplicaStore {
    /// The ticket with `id`, derived from its ops; nil if this replica has none. Derived
    /// from the whole log the first time (not cached yet), it is checked against its
    /// row's digest: an op the log no longer returns (a damaged row) is refused by name
    /// instead of silently left out.
    public func ticket(_ id: TicketID) throws(StoreError) -> Ticket? {
        let entry = try read { db -> TicketCache.Entry? in
            let cached = cache.get(id) != nil
            let entry = try current(id, db)
            if !cached { try Self.checkDigest(of: entry?.ticket, id: id, db) }
            return entry
        }
        guard let entry else { return nil }
        cache.put([id: entry])
        return entry.ticket
    }

    /// Every op of ticket `id` in the order this replica stored them.
    public func ops(of id: TicketID) throws(StoreError) -> [Op] {
        try read { db in try OpRows.ops(of: id, db).ops }
    }

    /// The ticket list, optionally only one status, most recently changed first.
    public func tickets(status: TicketStatus? = nil) throws(StoreError) -> [TicketSummary] {
        try read { db in
            let rows =
                if let status {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM tickets WHERE status = ? ORDER BY updated_wall DESC, id",
                        arguments: [status.rawValue])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM tickets ORDER BY updated_wall DESC, id")
                }
            return rows.map(TicketRows.summary)
        }
    }

    /// Tickets with at least one open conflict.
    public func ticketsWithConflicts() throws(StoreError) -> [Ticket] {
        let ids = try read { db in
            try String.fetchAll(db, sql: "SELECT id FROM tickets WHERE conflicts > 0 ORDER BY id")
        }
        var out: [Ticket] = []
        for raw in ids {
            if let id = EntityID(raw), let t = try ticket(id) { out.append(t) }
        }
        return out
    }

    /// How many ops the replica holds.
    public func opCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ops") ?? 0 }
    }
}
