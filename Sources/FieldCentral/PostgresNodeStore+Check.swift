import FieldModel
import FieldStore
import FieldWire
import PostgresNIO

/// `fieldsync-node check --postgres URL`: every op against its checksum and every ticket
/// against its ops, as `check --data` does for a SQLite central. The database's own
/// integrity (pages, indexes) is PostgreSQL's to check (amcheck, data checksums).
extension PostgresNodeStore {
    /// Reads the whole op log once, a ticket at a time (never all of it in memory).
    public func check(name: String) async throws(StoreError) -> CheckReport {
        var report = CheckReport(mode: "full", path: name)
        report.integrityChecked = false
        try await guarded("checking the op log") {
            // Read, never made: a check changes nothing (identity() would make the id, or
            // fork it on a restored database).
            report.replica = try await client.query("SELECT value FROM central_meta WHERE name = 'replica'", logger: logger)
                .decode(String.self).all().first
            var stored: [String: String] = [:]
            for try await (id, digest) in try await client.query("SELECT id, digest FROM tickets", logger: logger).decode((String, String).self) {
                stored[id] = digest
            }
            var current: (id: String, ticket: Ticket?)?
            var derived: [String: String] = [:]
            func finish() {
                guard let (id, ticket) = current, let ticket else { return }
                derived[id] = ticket.digest.hex
            }
            for try await (seq, row) in try await client.query(
                "SELECT seq, \(unescaped: OpRecord.columns) FROM ops ORDER BY subject COLLATE \"C\", seq", logger: logger
            ).decode((Int64, String, Int64, Int64, Int64, String, Int64, ByteBuffer, Int64).self).map({ r in
                (r.0, OpRecord.Row(r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8))
            }) {
                report.opsChecked += 1
                if current?.id != row.4 {
                    finish()
                    current = (row.4, EntityID(row.4).flatMap { $0.kind == .ticket ? Ticket(id: $0) : nil })
                }
                do {
                    let op = try OpRecord.decode(row)
                    current?.ticket?.apply(op)
                } catch {
                    report.damagedOps.append(DamagedOp(seq: seq, id: "\(UInt64(bitPattern: row.1))@\(row.0)", problem: .checksumMismatch))
                }
            }
            finish()
            for id in Set(stored.keys).union(derived.keys).sorted() where stored[id] != derived[id] {
                report.ticketMismatches.append(.init(ticket: id, stored: stored[id], derived: derived[id]))
            }
            report.ticketsChecked = Set(stored.keys).union(derived.keys).count
        }
        return report
    }
}
