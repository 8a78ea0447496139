import FieldModel
import GRDB

/// What a store holds of each replica (every op up to `acked`, contiguous) and which
/// principal owns it: the principal whose push first named it, or the store itself for
/// its own replica. Only the owner may push a replica's ops.
enum ReplicaProgress {
    /// The owner recorded for a store's own replica. Token names are replica-id
    /// characters only, so no principal can be called this.
    static let selfOwner = PushCheck.selfOwner

    struct Entry {
        let acked: UInt64
        let owner: String
    }

    static func get(_ replica: ReplicaID, _ db: Database) throws -> Entry? {
        guard
            let row = try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT acked, owner FROM replica_progress WHERE replica = ?"), arguments: [replica.rawValue])
        else { return nil }
        return Entry(acked: UInt64(bitPattern: row["acked"] as Int64), owner: row["owner"])
    }

    /// Records that every op of `replica` up to `acked` is held; the owner is set only
    /// when the row is new (ownership never moves).
    static func advance(_ replica: ReplicaID, to acked: UInt64, owner: String, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO replica_progress (replica, acked, owner) VALUES (?, ?, ?)
                ON CONFLICT(replica) DO UPDATE SET acked = MAX(acked, excluded.acked)
                """
        ).execute(arguments: [replica.rawValue, Int64(bitPattern: acked), owner])
    }
}
