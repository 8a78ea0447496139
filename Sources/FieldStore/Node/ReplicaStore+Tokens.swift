import FieldModel
import Foundation
import GRDB

/// A token as listed: never the token itself.
public struct TokenRecord: Sendable, Codable, Hashable {
    public let id: String
    public let name: String
    public let role: Principal.Role
    public let createdAt: UInt64
    public let revokedAt: UInt64?

    public init(id: String, name: String, role: Principal.Role, createdAt: UInt64, revokedAt: UInt64?) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

extension ReplicaStore {
    /// Creates a bearer token for `name` with `role`. Returns the token, which is shown
    /// once and never stored: the node keeps only its SHA-256.
    public func createToken(name: String, role: Principal.Role, now: UInt64) throws(StoreError) -> (token: String, record: TokenRecord) {
        let new = try NewToken(name: name, role: role, now: now)
        let record = new.record
        try write { db in
            try db.execute(
                sql: "INSERT INTO tokens (id, sha256, name, role, created_wall) VALUES (?, ?, ?, ?, ?)",
                arguments: [record.id, new.sha256, name, role.rawValue, Int64(clamping: now)])
        }
        return (new.token, record)
    }

    /// The principal a token belongs to; nil if unknown or revoked.
    public func principal(forToken token: String) throws(StoreError) -> Principal? {
        let hash = NewToken.hash(token)
        return try read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT name, role FROM tokens WHERE sha256 = ? AND revoked_wall IS NULL", arguments: [hash]),
                let role = Principal.Role(rawValue: row["role"])
            else { return nil }
            return Principal(name: row["name"], role: role)
        }
    }

    public func tokens() throws(StoreError) -> [TokenRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY created_wall, id").map { row in
                TokenRecord(
                    id: row["id"], name: row["name"], role: Principal.Role(rawValue: row["role"]) ?? .engineer,
                    createdAt: UInt64(row["created_wall"] as Int64),
                    revokedAt: (row["revoked_wall"] as Int64?).map { UInt64($0) })
            }
        }
    }

    /// Revokes the token with id `id` (as `token list` shows it); returns how many it revoked.
    public func revokeToken(id: String, now: UInt64) throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: "UPDATE tokens SET revoked_wall = ? WHERE id = ? AND revoked_wall IS NULL", arguments: [Int64(clamping: now), id])
            return db.changesCount
        }
    }
}
