import FieldStore
import PostgresNIO

extension PostgresNodeStore: TokenStore {
    public func createToken(name: String, role: Principal.Role, now: UInt64) async throws(StoreError) -> (token: String, record: TokenRecord) {
        let new = try NewToken(name: name, role: role, now: now)
        let record = new.record
        try await guarded("storing a token") {
            try await client.query(
                """
                INSERT INTO tokens (id, sha256, name, role, created_wall)
                VALUES (\(record.id), \(new.sha256), \(name), \(role.rawValue), \(Int64(clamping: now)))
                """, logger: logger)
        }
        return (new.token, record)
    }

    public func principal(forToken token: String) async throws(StoreError) -> Principal? {
        let hash = NewToken.hash(token)
        let rows = try await guarded("checking a token") {
            try await client.query("SELECT name, role FROM tokens WHERE sha256 = \(hash) AND revoked_wall IS NULL", logger: logger)
                .decode((String, String).self).all()
        }
        guard let (name, role) = rows.first, let role = Principal.Role(rawValue: role) else { return nil }
        return Principal(name: name, role: role)
    }

    public func tokens() async throws(StoreError) -> [TokenRecord] {
        let rows = try await guarded("listing tokens") {
            try await client.query("SELECT id, name, role, created_wall, revoked_wall FROM tokens ORDER BY created_wall, id", logger: logger)
                .decode((String, String, String, Int64, Int64?).self).all()
        }
        return rows.map { id, name, role, created, revoked in
            TokenRecord(
                id: id, name: name, role: Principal.Role(rawValue: role) ?? .engineer, createdAt: UInt64(clamping: created),
                revokedAt: revoked.map { UInt64(clamping: $0) })
        }
    }

    public func revokeToken(id: String, now: UInt64) async throws(StoreError) -> Int {
        try await guarded("revoking a token") {
            try await client.query(
                "UPDATE tokens SET revoked_wall = \(Int64(clamping: now)) WHERE id = \(id) AND revoked_wall IS NULL RETURNING id", logger: logger
            ).all().count
        }
    }
}
