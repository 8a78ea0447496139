import FieldModel
import GRDB

extension ReplicaStore {
    /// The ticket with `id` derived from its ops, checked against the digest its
    /// `tickets` row holds; nil if this replica has neither. Each op read is checked
    /// against its checksum, but an op the log no longer returns at all (a damaged index
    /// or row header) would simply be missing: the row's digest, written when the ticket
    /// last changed, is what tells. A mismatch throws `damaged` instead of showing a
    /// ticket with a note silently left out.
    public func verifiedTicket(_ id: TicketID) throws(StoreError) -> Ticket? {
        try read { db in
            let (ops, _) = try OpRows.ops(of: id, db)
            var ticket: Ticket?
            for op in ops {
                if ticket == nil { ticket = Ticket(id: id) }
                ticket!.apply(op)
            }
            try Self.checkDigest(of: ticket, id: id, db)
            return ticket
        }
    }

    /// Throws `damaged` unless the `tickets` row of `id` holds the digest of `ticket`
    /// (derived from every op of it), or neither exists. For callers deriving a ticket
    /// from the whole log (not from the in-memory cache).
    static func checkDigest(of ticket: Ticket?, id: TicketID, _ db: Database) throws {
        let stored = try String.fetchOne(db, sql: "SELECT digest FROM tickets WHERE id = ?", arguments: [id.rawValue])
        let derived = ticket?.digest.hex
        guard stored != derived else { return }
        let what =
            stored == nil ? "its ops are stored but its ticket row is missing"
            : derived == nil ? "its ticket row is stored but no op of it can be found"
            : "its ops no longer give the state stored for it (an op is missing or changed)"
        throw StoreError(
            .damaged,
            "ticket \(id) in this replica's file is damaged: \(what). Nothing was changed; run `fieldsync check` (on a node: `fieldsync-node check --data DIR`) to see all damage and how to recover")
    }
}
