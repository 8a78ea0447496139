import FieldModel
import GRDB

/// Writes and reads the materialised `tickets` rows.
enum TicketRows {
    /// Rewrites the ticket's row and records, for scope, every engineer ever assigned to
    /// it, from `seq` (the op-log position the ticket is derived up to) if new.
    static func save(_ t: Ticket, seq: Int64, _ db: Database) throws {
        let scope = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO ticket_scope (engineer, ticket, since_seq) VALUES (?, ?, ?)")
        for engineer in Set(t.register(Field.assignee).writes.values.map(\.value)) where !engineer.isEmpty {
            try DirectExecution.execute(scope, .text(engineer), .text(t.id.rawValue), .int(seq))
        }
        let blobs = try db.cachedStatement(sql: "INSERT OR IGNORE INTO ticket_blobs (sha256, ticket, size) VALUES (?, ?, ?)")
        // Who attached it, per op: the node grants a download through a reference only once
        // the principal owning that replica proved it holds the bytes.
        let attachers = try db.cachedStatement(sql: "INSERT OR IGNORE INTO blob_attachers (sha256, ticket, replica) VALUES (?, ?, ?)")
        // Bound directly (see DirectExecution): a push rewrites a few tickets, each with
        // all its attachments, so these run several times per push.
        for a in t.attachments {
            let sha256 = a.attachment.sha256.hex
            try DirectExecution.execute(blobs, .text(sha256), .text(t.id.rawValue), .int(Int64(clamping: a.attachment.byteSize)))
            try DirectExecution.execute(attachers, .text(sha256), .text(t.id.rawValue), .text(a.id.replica.rawValue))
        }
        let s = TicketSummary(t)
        // SQLite rewrites the entry of every index whose column an UPDATE sets, equal or
        // not (and a REPLACE every index): a stored row is updated with its indexed columns
        // (status, assignee, conflicts) only where they changed. Most ops (notes, parts,
        // photos) change none of them, and then only the row itself is written.
        if let stored = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT status, assignee, conflicts FROM tickets WHERE id = ?"), arguments: [s.id])
        {
            var set = "customer = ?, site = ?, device_model = ?, priority = ?, updated_wall = ?, digest = ?"
            var values: [DirectValue] = [
                .text(s.customer), .text(s.site), .text(s.deviceModel), .text(s.priority), .int(Int64(bitPattern: s.updatedAt)), .text(s.digest),
            ]
            if stored[0] as String != s.status {
                set += ", status = ?"
                values.append(.text(s.status))
            }
            if stored[1] as String != s.assignee {
                set += ", assignee = ?"
                values.append(.text(s.assignee))
            }
            if stored[2] as Int64 != Int64(s.conflicts) {
                set += ", conflicts = ?"
                values.append(.int(Int64(s.conflicts)))
            }
            try DirectExecution.execute(try db.cachedStatement(sql: "UPDATE tickets SET \(set) WHERE id = ?"), values + [.text(s.id)])
            return
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
    }

    static func summary(_ row: Row) -> TicketSummary {
        TicketSummary(
            id: row["id"], status: row["status"], assignee: row["assignee"], customer: row["customer"],
            site: row["site"], deviceModel: row["device_model"], priority: row["priority"],
            conflicts: row["conflicts"], updatedAt: UInt64(bitPattern: row["updated_wall"]), digest: row["digest"])
    }
}
