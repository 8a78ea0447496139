import FieldModel
import FieldStore
import PostgresNIO

extension PostgresNodeStore: SyncStore {
    public func held(of replicas: [ReplicaID]) async throws(StoreError) -> [ReplicaID: UInt64] {
        let names = replicas.map(\.rawValue)
        let rows = try await guarded("reading what is held") {
            try await client.query("SELECT replica, acked FROM replica_progress WHERE replica = ANY(\(names))", logger: logger)
                .decode((String, Int64).self).all()
        }
        var out = Dictionary(uniqueKeysWithValues: replicas.map { ($0, UInt64(0)) })
        for (name, acked) in rows { if let r = ReplicaID(name) { out[r] = UInt64(bitPattern: acked) } }
        return out
    }

    public func owner(of replica: ReplicaID) async throws(StoreError) -> String? {
        try await guarded("reading a replica's owner") {
            try await client.query("SELECT owner FROM replica_progress WHERE replica = \(replica.rawValue)", logger: logger)
                .decode(String.self).all().first
        }
    }

    public func ownOps(of replica: ReplicaID, from: UInt64, limit: Int) async throws(StoreError) -> [Op] {
        let first = Int64(clamping: from)
        let limit = max(0, limit)
        let rows = try await guarded("reading a replica's ops") {
            try await client.query(
                """
                SELECT \(unescaped: OpRecord.columns) FROM ops WHERE replica = \(replica.rawValue) AND counter >= \(first)
                ORDER BY counter LIMIT \(limit)
                """, logger: logger
            ).decode(OpRecord.Row.self).all()
        }
        return try rows.map { row throws(StoreError) in try OpRecord.decode(row) }
    }

    public func quarantine() async throws(StoreError) -> [QuarantinedOp] {
        let rows = try await guarded("listing the quarantine") {
            try await client.query(
                "SELECT principal, received_wall, reason, \(unescaped: OpRecord.columns) FROM quarantine ORDER BY id", logger: logger
            ).decode((String, Int64, String, String, Int64, Int64, Int64, String, Int64, ByteBuffer, Int64).self).all()
        }
        return try rows.map { row throws(StoreError) in
            QuarantinedOp(
                op: try OpRecord.decode((row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10)), principal: row.0,
                receivedAt: UInt64(bitPattern: row.1), reason: row.2)
        }
    }

    public func clockOffsets() async throws(StoreError) -> [ReplicaID: Int64] {
        let rows = try await guarded("reading device clocks") {
            try await client.query("SELECT replica, offset_ms FROM device_clocks", logger: logger).decode((String, Int64).self).all()
        }
        var out: [ReplicaID: Int64] = [:]
        for (name, offset) in rows { if let r = ReplicaID(name) { out[r] = offset } }
        return out
    }
}
