import FieldModel
import FieldWire
import GRDB

/// A bearer token as a node stores it: its hash, never the token (``NewToken``).
public struct StoredToken: Sendable, Hashable {
    public var record: TokenRecord
    /// Hex SHA-256 of the token.
    public var sha256: String

    public init(record: TokenRecord, sha256: String) {
        self.record = record
        self.sha256 = sha256
    }
}

/// What a store holds of a replica and who owns it (``ReplicaProgress``).
public struct ReplicaHolding: Sendable, Hashable {
    public var replica: ReplicaID
    public var acked: UInt64
    public var owner: String

    public init(replica: ReplicaID, acked: UInt64, owner: String) {
        self.replica = replica
        self.acked = acked
        self.owner = owner
    }
}

/// A device's last measured clock offset, as the node recorded it.
public struct DeviceClock: Sendable, Hashable {
    public var replica: ReplicaID
    public var principal: String
    /// Node minus device, ms.
    public var offsetMillis: Int64
    public var measuredAt: UInt64

    public init(replica: ReplicaID, principal: String, offsetMillis: Int64, measuredAt: UInt64) {
        self.replica = replica
        self.principal = principal
        self.offsetMillis = offsetMillis
        self.measuredAt = measuredAt
    }
}

/// A node's store read whole, for moving it to another backend (`fieldsync-node migrate`).
extension ReplicaStore {
    /// The op log after position `seq`, at most `limit` ops in log order, and the position
    /// of the last (each op checked against its stored checksum: damage stops a move).
    public func logPage(after seq: Int64, limit: Int) throws(StoreError) -> (ops: [Op], last: Int64) {
        try read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(OpRows.columns) FROM ops WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, max(1, limit)])
            return (try rows.map(OpRows.decode), rows.last.map { $0[0] } ?? seq)
        }
    }

    /// Every token with its hash, oldest first.
    public func storedTokens() throws(StoreError) -> [StoredToken] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY created_wall, id").map { row in
                guard let role = Principal.Role(rawValue: row["role"]) else {
                    throw StoreError(.damaged, "token \(row["id"] as String) has an unknown role: the node's data is damaged")
                }
                return StoredToken(
                    record: TokenRecord(
                        id: row["id"], name: row["name"], role: role, createdAt: UInt64(bitPattern: row["created_wall"] as Int64),
                        revokedAt: (row["revoked_wall"] as Int64?).map { UInt64(bitPattern: $0) }),
                    sha256: row["sha256"])
            }
        }
    }

    /// What is held of every replica, and its owner.
    public func replicaHoldings() throws(StoreError) -> [ReplicaHolding] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT replica, acked, owner FROM replica_progress ORDER BY replica").compactMap { row in
                ReplicaID(row["replica"]).map { ReplicaHolding(replica: $0, acked: UInt64(bitPattern: row["acked"]), owner: row["owner"]) }
            }
        }
    }

    /// Every device's last measured clock.
    public func deviceClocks() throws(StoreError) -> [DeviceClock] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT replica, principal, offset_ms, measured_wall FROM device_clocks ORDER BY replica").compactMap { row in
                ReplicaID(row["replica"]).map {
                    DeviceClock(
                        replica: $0, principal: row["principal"], offsetMillis: row["offset_ms"],
                        measuredAt: UInt64(bitPattern: row["measured_wall"] as Int64))
                }
            }
        }
    }

    /// Who proved holding which blob (SPEC §7.3), for a move to another backend. A
    /// reference from before proofs existed counts as its attachers' owners' proof, so
    /// what they could download before the move they still can.
    public func blobPossessions() throws(StoreError) -> [BlobPossession] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT sha256, principal, proven_wall FROM blob_possession
                    UNION
                    SELECT r.sha256, rp.owner, 0 FROM blob_refs r
                    JOIN replica_progress rp ON rp.replica = r.replica
                    WHERE EXISTS (SELECT 1 FROM blob_refs o WHERE o.sha256 = r.sha256 AND o.ticket = r.ticket AND o.proven_before = 1)
                    ORDER BY 1, 2
                    """
            ).compactMap { row in
                Digest(hex: row["sha256"]).map {
                    BlobPossession(digest: $0, principal: row["principal"], provenAt: UInt64(bitPattern: row["proven_wall"] as Int64))
                }
            }
        }
    }
}

/// A principal's proof that it holds a blob, and when (Unix ms; 0: from before proofs).
public struct BlobPossession: Sendable, Hashable {
    public var digest: Digest
    public var principal: String
    public var provenAt: UInt64

    public init(digest: Digest, principal: String, provenAt: UInt64) {
        self.digest = digest
        self.principal = principal
        self.provenAt = provenAt
    }
}
