import FieldModel
import FieldStore
import PostgresNIO

/// Who may move a blob, as SQLite's ``ReplicaStore/blobAccess(_:for:)`` and
/// ``ReplicaStore/mayDownload(_:for:)`` decide it: through the tickets that refer to it and
/// the puller's `ticket_scope` rows (the scope PostgresNodeStore's ingest and pull use), and
/// through the live articles that show it (`entity_blobs`) and the puller's `entity_scope`.
extension PostgresNodeBlobStore {
    public func access(_ digest: Digest, for principal: Principal) async throws(StoreError) -> BlobAccess {
        let logger = logger
        return try await guarded("checking who may move a blob") {
            let sizes = try await client.query("SELECT size FROM ticket_blobs WHERE sha256 = \(digest.hex)", logger: logger)
                .decode(Int64.self).all()
            guard let largest = sizes.max() else {
                // An article's image: central stored it whole; it is downloaded, never uploaded.
                guard let image = try await articleImageAccess(digest, for: principal) else { return .unreferenced }
                return image ? .allowed(maxSize: 0) : .forbidden
            }
            // Clamped: a size below zero (written by anything but ingest) must not trap.
            let allowed = BlobAccess.allowed(maxSize: UInt64(clamping: largest))
            if principal.seesEverything { return allowed }
            let names = try await CentralScope.names(principal, client, logger: logger)
            let inScope = try await client.query(
                """
                SELECT 1 FROM ticket_blobs tb JOIN ticket_scope s ON s.ticket = tb.ticket
                WHERE tb.sha256 = \(digest.hex) AND s.engineer = ANY(\(names)) LIMIT 1
                """, logger: logger
            ).all()
            return inScope.isEmpty ? .forbidden : allowed
        }
    }

    public func mayDownload(_ digest: Digest, for principal: Principal) async throws(StoreError) -> Bool {
        let logger = logger
        let image = try await guarded("checking who may download a blob") { try await articleImageAccess(digest, for: principal) }
        if image == true { return true }
        return try await !provenTickets(digest, for: principal, limit: 1).isEmpty
    }

    public func provenTickets(_ digest: Digest, for principal: Principal) async throws(StoreError) -> [String] {
        try await provenTickets(digest, for: principal, limit: 1_000)
    }

    /// Tickets in scope with a reference whose attacher (the owner of the replica that made
    /// the op) proved it holds the bytes.
    func provenTickets(_ digest: Digest, for principal: Principal, limit: Int) async throws(StoreError) -> [String] {
        let logger = logger
        let everything = principal.seesEverything
        return try await guarded("checking who may download a blob") {
            let names = try await CentralScope.names(principal, client, logger: logger)
            return try await client.query(
                """
                SELECT DISTINCT tb.ticket FROM ticket_blobs tb
                WHERE tb.sha256 = \(digest.hex)
                  AND (\(everything) OR EXISTS (SELECT 1 FROM ticket_scope s WHERE s.ticket = tb.ticket AND s.engineer = ANY(\(names))))
                  AND EXISTS (
                    SELECT 1 FROM blob_attachers a
                    JOIN replica_progress rp ON rp.replica = a.replica
                    JOIN blob_possession p ON p.sha256 = a.sha256 AND p.principal = rp.owner
                    WHERE a.sha256 = tb.sha256 AND a.ticket = tb.ticket)
                ORDER BY tb.ticket LIMIT \(limit)
                """, logger: logger
            ).decode(String.self).all()
        }
    }

    /// Whether `digest` is an image of a live article in `principal`'s scope (its own name's
    /// or every device's, `*`), as SQLite's `articleImageAccess` decides it; central published
    /// it, so no proof of possession is asked. Nil when no live article shows it.
    func articleImageAccess(_ digest: Digest, for principal: Principal) async throws -> Bool? {
        let names = try await CentralScope.names(principal, client, logger: logger) + [EntityMaterialiser.everyone]
        let rows = try await client.query(
            """
            SELECT EXISTS (
                SELECT 1 FROM entity_scope s WHERE s.entity = eb.entity AND s.principal = ANY(\(names)) AND s.left_xid IS NULL)
            FROM entity_blobs eb WHERE eb.sha256 = \(digest.hex)
            """, logger: logger
        ).decode(Bool.self).all()
        if rows.isEmpty { return nil }
        return principal.seesEverything || rows.contains(true)
    }
}
