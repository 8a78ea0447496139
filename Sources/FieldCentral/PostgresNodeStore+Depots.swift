import FieldStore
import PostgresNIO

extension PostgresNodeStore: DepotStore {
    public func setDepotMember(depot: String, engineer: String, member: Bool, now: UInt64) async throws(StoreError) -> Bool {
        try DepotMember.checkNames(depot: depot, engineer: engineer)
        let now = Int64(clamping: now)
        return try await guarded("recording a depot's engineers") {
            let changed: PostgresRowSequence
            if member {
                changed = try await client.query(
                    """
                    INSERT INTO depot_members (depot, engineer, added_wall, removed_wall) VALUES (\(depot), \(engineer), \(now), NULL)
                    ON CONFLICT (depot, engineer) DO UPDATE SET added_wall = excluded.added_wall, removed_wall = NULL
                    WHERE depot_members.removed_wall IS NOT NULL
                    RETURNING engineer
                    """, logger: logger)
            } else {
                changed = try await client.query(
                    """
                    UPDATE depot_members SET removed_wall = \(now)
                    WHERE depot = \(depot) AND engineer = \(engineer) AND removed_wall IS NULL RETURNING engineer
                    """, logger: logger)
            }
            return try await !changed.all().isEmpty
        }
    }

    public func memberTokens(of depot: String) async throws(StoreError) -> [TokenHash] {
        let rows = try await guarded("reading a depot's engineers' tokens") {
            try await client.query(
                """
                SELECT t.id, t.sha256, t.name, t.created_wall, t.revoked_wall FROM tokens t
                JOIN depot_members m ON m.engineer = t.name AND m.depot = \(depot) AND m.removed_wall IS NULL
                WHERE t.role = 'engineer' ORDER BY t.created_wall, t.id
                """, logger: logger
            ).decode((String, String, String, Int64, Int64?).self).all()
        }
        return rows.map { id, sha, name, created, revoked in
            TokenHash(
                record: TokenRecord(id: id, name: name, role: .engineer, createdAt: UInt64(clamping: created), revokedAt: revoked.map { UInt64(clamping: $0) }),
                sha256: sha)
        }
    }

    public func depotTokens() async throws(StoreError) -> [TokenHash] {
        let rows = try await guarded("reading the depots' tokens") {
            try await client.query(
                "SELECT id, sha256, name, created_wall FROM tokens WHERE role = 'depot' AND revoked_wall IS NULL ORDER BY created_wall, id",
                logger: logger
            ).decode((String, String, String, Int64).self).all()
        }
        return rows.map { id, sha, name, created in
            TokenHash(record: TokenRecord(id: id, name: name, role: .depot, createdAt: UInt64(clamping: created), revokedAt: nil), sha256: sha)
        }
    }

    public func depotMembers(of depot: String) async throws(StoreError) -> [DepotMember] {
        try await guarded("reading a depot's engineers") {
            try await client.withConnection { connection in
                try await DepotRows(connection: connection, logger: logger).members(of: depot)
            }
        }
    }
}

/// `depot_members` read on a connection (inside a push's transaction, too).
struct DepotRows {
    let connection: PostgresConnection
    let logger: Logger

    func members(of depot: String) async throws -> [DepotMember] {
        try await connection.checkedQuery(
            "SELECT engineer, added_wall, removed_wall FROM depot_members WHERE depot = \(depot) ORDER BY added_wall, engineer", logger: logger
        ).decode((String, Int64, Int64?).self).all().map {
            DepotMember(engineer: $0.0, addedAt: UInt64(clamping: $0.1), removedAt: $0.2.map { UInt64(clamping: $0) })
        }
    }
}
