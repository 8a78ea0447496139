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
            try scope.execute(arguments: [engineer, t.id.rawValue, seq])
        }
        let blobs = try db.cachedStatement(sql: "INSERT OR IGNORE INTO ticket_blobs (sha256, ticket, size) VALUES (?, ?, ?)")
        // Who attached it, per op: the node grants a download through a reference only once
        // the principal owning that replica proved it holds the bytes.
        let attachers = try db.cachedStatement(sql: "INSERT OR IGNORE INTO blob_attachers (sha256, ticket, replica) VALUES (?, ?, ?)")
        for a in t.attachments {
            try blobs.execute(arguments: [a.attachment.sha256.hex, t.id.rawValue, Int64(clamping: a.attachment.byteSize)])
            try attachers.execute(arguments: [a.attachment.sha256.hex, t.id.rawValue, a.id.replica.rawValue])
        }
        let s = TicketSummary(t)
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO tickets
                (id, status, assignee, customer, site, device_model, priority, conflicts, updated_wall, digest)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                s.id, s.status, s.assignee, s.customer, s.site, s.deviceModel, s.priority, s.conflicts,
                Int64(bitPattern: s.updatedAt), s.digest,
            ])
    }

    static func summary(_ row: Row) -> TicketSummary {
        TicketSummary(
            id: row["id"], status: row["status"], assignee: row["assignee"], customer: row["customer"],
            site: row["site"], deviceModel: row["device_model"], priority: row["priority"],
            conflicts: row["conflicts"], updatedAt: UInt64(bitPattern: row["updated_wall"]), digest: row["digest"])
    }
}
