import FieldModel
import FieldStore
import PostgresNIO

extension PostgresNodeStore: CentralStore {
    /// Records `writes` as the central replica (``identity()``'s, shared by every node
    /// process on the database) in one transaction (``CentralWriter``).
    public func writeAsCentral(_ writes: [CentralWrite], now: UInt64) async throws(StoreError) -> [Op] {
        let replica = try await identity().replica
        let logger = logger
        return try await guarded("recording as the central") {
            return try await client.checkedTransaction(logger: logger) { connection in
                try await CentralWriter(connection: connection, logger: logger, replica: replica, now: now).write(writes)
            }
        }
    }

    /// Derived from its ops, as SQLite's store derives it.
    public func ticket(_ id: TicketID) async throws(StoreError) -> Ticket? {
        let ops = try await ops(of: id)
        guard !ops.isEmpty else { return nil }
        var ticket = Ticket(id: id)
        for op in ops { ticket.apply(op) }
        return ticket
    }

    public func ops(of id: TicketID) async throws(StoreError) -> [Op] {
        guard id.kind == .ticket else { return [] }
        let logger = logger
        return try await guarded("reading a ticket's ops") {
            try await client.withConnection { connection in
                try await EntityMaterialiser(connection: connection, logger: logger).ops(of: id)
            }
        }
    }

    public func tickets() async throws(StoreError) -> [TicketSummary] {
        let logger = logger
        return try await guarded("reading the ticket list") {
            try await client.query(
                """
                SELECT id, status, assignee, customer, site, device_model, priority, conflicts, updated_wall, digest FROM tickets
                ORDER BY updated_wall DESC, id
                """, logger: logger
            ).decode((String, String, String, String, String, String, String, Int, Int64, String).self).all().map {
                TicketSummary(
                    id: $0.0, status: $0.1, assignee: $0.2, customer: $0.3, site: $0.4, deviceModel: $0.5, priority: $0.6,
                    conflicts: $0.7, updatedAt: UInt64(bitPattern: $0.8), digest: $0.9)
            }
        }
    }

    public func articles() async throws(StoreError) -> [StoredArticle] {
        let logger = logger
        return try await guarded("reading the articles") {
            try await client.query("SELECT id, seq, row, audience FROM entities WHERE kind = 'article' ORDER BY id", logger: logger)
                .decode((String, Int64, String, String).self).all().compactMap { Self.record($0).flatMap(ArticleKind.stored) }
        }
    }

    public func article(_ id: EntityID) async throws(StoreError) -> StoredArticle? {
        let logger = logger
        return try await guarded("reading an article") {
            try await client.query("SELECT id, seq, row, audience FROM entities WHERE kind = 'article' AND id = \(id.rawValue)", logger: logger)
                .decode((String, Int64, String, String).self).all().first.flatMap { Self.record($0).flatMap(ArticleKind.stored) }
        }
    }

    /// An `entities` row (id, seq, row, audience).
    static func record(_ row: (String, Int64, String, String)) -> EntityRecord? {
        EntityID(row.0).map { EntityRecord(id: $0, seq: row.1, row: row.2, audience: EntityMaterialiser.audience(row.3)) }
    }
}
