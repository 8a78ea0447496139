import FieldModel
import GRDB

/// Writes and reads the materialised `tickets` rows.
enum TicketRows {
    static func save(_ t: Ticket, _ db: Database) throws {
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
