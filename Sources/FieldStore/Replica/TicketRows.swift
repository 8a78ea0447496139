import FieldModel
import GRDB

/// Writes and reads the materialised `tickets` rows.
enum TicketRows {
    /// Rewrites the ticket's row and records, for scope, every engineer ever assigned to
    /// it, from `seq` (the op-log position the ticket is derived up to) if new. True when
    /// an engineer was recorded now: their articles must be decided again.
    @discardableResult
    static func save(_ t: Ticket, seq: Int64, _ db: Database) throws -> Bool {
        let scope = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO ticket_scope (engineer, ticket, since_seq) VALUES (?, ?, ?)")
        var newlyAssigned = false
        for engineer in Set(t.register(Field.assignee).writes.values.map(\.value)) where !engineer.isEmpty {
            try DirectExecution.execute(scope, .text(engineer), .text(t.id.rawValue), .int(seq))
            newlyAssigned = newlyAssigned || db.changesCount > 0
        }
        // Each attachment's reference and who attached it, per op: the node grants a download
        // through a reference only once the principal owning that replica proved it holds
        // the bytes. Bound directly (see DirectExecution): a push rewrites a few tickets,
        // each with all its attachments.
        let refs = try db.cachedStatement(sql: "INSERT OR IGNORE INTO blob_refs (sha256, ticket, replica, size) VALUES (?, ?, ?, ?)")
        for a in t.attachments {
            try DirectExecution.execute(
                refs, .text(a.attachment.sha256.hex), .text(t.id.rawValue), .text(a.id.replica.rawValue),
                .int(Int64(clamping: a.attachment.byteSize)))
        }
        let s = TicketSummary(t)
        // SQLite rewrites the entry of every index whose column an UPDATE sets, equal or
        // not (and a REPLACE every index): a stored row is updated with its indexed columns
        // (status, assignee, conflicts) only where they changed. Most ops (notes, parts,
        // photos) change none of them, and then only the row itself is written.
        if let stored = try DirectExecution.rows(
            db.cachedStatement(sql: "SELECT status, assignee, conflicts FROM tickets WHERE id = ?"), .text(s.id)
        ).first {
            var set = "customer = ?, site = ?, device_model = ?, priority = ?, updated_wall = ?, digest = ?"
            var values: [DirectValue] = [
                .text(s.customer), .text(s.site), .text(s.deviceModel), .text(s.priority), .int(Int64(bitPattern: s.updatedAt)), .text(s.digest),
            ]
            if stored[0].string != s.status {
                set += ", status = ?"
                values.append(.text(s.status))
            }
            if stored[1].string != s.assignee {
                set += ", assignee = ?"
                values.append(.text(s.assignee))
            }
            if stored[2].integer != Int64(s.conflicts) {
                set += ", conflicts = ?"
                values.append(.int(Int64(s.conflicts)))
            }
            try DirectExecution.execute(try db.cachedStatement(sql: "UPDATE tickets SET \(set) WHERE id = ?"), values + [.text(s.id)])
            return newlyAssigned
        }
        let row = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO tickets
                (id, status, assignee, customer, site, device_model, priority, conflicts, updated_wall, digest)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        try DirectExecution.execute(
            row, .text(s.id), .text(s.status), .text(s.assignee), .text(s.customer), .text(s.site), .text(s.deviceModel),
            .text(s.priority), .int(Int64(s.conflicts)), .int(Int64(bitPattern: s.updatedAt)), .text(s.digest))
        return newlyAssigned
    }

    static func summary(_ row: Row) -> TicketSummary {
        TicketSummary(
            id: row["id"], status: row["status"], assignee: row["assignee"], customer: row["customer"],
            site: row["site"], deviceModel: row["device_model"], priority: row["priority"],
            conflicts: row["conflicts"], updatedAt: UInt64(bitPattern: row["updated_wall"]), digest: row["digest"])
    }
}
