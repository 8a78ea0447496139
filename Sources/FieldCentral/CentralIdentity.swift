import FieldModel
import FieldStore
import PostgresNIO

/// Who the central is to devices when it lives in PostgreSQL: one replica id shared by every
/// node process on the database (devices behind a load balancer see one central), and an
/// incarnation that changes when the database's history does.
///
/// A SQLite node notices that it is a copy by its file's identity (SPEC §9.3). PostgreSQL's
/// equivalent is the cluster: `pg_control_system()`'s system identifier changes when the
/// database is restored into another cluster (pg_restore, a new primary), and the timeline
/// when it is recovered to a point in time. Either way the database may be behind what it
/// recorded and handed out, so going on under the same id could reuse counters devices
/// already hold for other ops: the central forks to a new id, as a copied SQLite store
/// does, and its incarnation changes, so devices ask again which of their blobs it holds.
public struct CentralIdentity: Sendable, Hashable {
    /// The central's replica id, as every node process answers in its hello.
    public var replica: ReplicaID
    /// The hello's incarnation (SPEC §3.2): the same on every node process of one history.
    public var incarnation: String
    /// The id the central recorded under before the database was restored, if it just was.
    public var forkedFrom: ReplicaID?
}

extension PostgresNodeStore {
    /// An advisory lock key of ours ("FSYNCIDN"): two nodes starting at once make one id.
    static let identityLockKey: Int64 = 0x4653_594E_4349_444E

    /// The central's identity, made the first time a node asks, and forked when the database
    /// turns out to be restored (``CentralIdentity``).
    public func identity() async throws(StoreError) -> CentralIdentity {
        try await guarded("reading the central's identity") {
            try await client.checkedTransaction(logger: logger) { connection in
                try await connection.checkedQuery("SELECT pg_advisory_xact_lock(\(Self.identityLockKey))", logger: logger)
                var meta: [String: String] = [:]
                for try await (name, value) in try await connection.checkedQuery(
                    "SELECT name, value FROM central_meta WHERE name IN ('replica', 'cluster')", logger: logger
                ).decode((String, String).self) {
                    meta[name] = value
                }
                let cluster = try await Self.cluster(connection, logger: logger)
                var forkedFrom: ReplicaID?
                let replica: ReplicaID
                if let stored = meta["replica"].flatMap(ReplicaID.init), meta["cluster"] == cluster {
                    replica = stored
                } else {
                    forkedFrom = meta["replica"].flatMap(ReplicaID.init)
                    replica = forkedFrom.map { ReplicaID.forked(from: $0) } ?? ReplicaID.newNode()
                    for (name, value) in [("replica", replica.rawValue), ("cluster", cluster)] {
                        try await connection.checkedQuery(
                            """
                            INSERT INTO central_meta (name, value) VALUES (\(name), \(value))
                            ON CONFLICT (name) DO UPDATE SET value = excluded.value
                            """, logger: logger)
                    }
                }
                // The central's own id is the central's from the start: no device may push as it.
                try await connection.checkedQuery(
                    """
                    INSERT INTO replica_progress (replica, acked, owner) VALUES (\(replica.rawValue), 0, \(PushCheck.selfOwner))
                    ON CONFLICT (replica) DO NOTHING
                    """, logger: logger)
                return CentralIdentity(replica: replica, incarnation: "pg-\(replica.rawValue)-\(cluster)", forkedFrom: forkedFrom)
            }
        }
    }

    /// The cluster's history: its system identifier and timeline, or (where this role may not
    /// read pg_control) the database's creation, which a restore into another cluster changes.
    static func cluster(_ connection: PostgresConnection, logger: Logger) async throws -> String {
        let readable = try await connection.checkedQuery(
            "SELECT has_function_privilege('pg_control_system()', 'EXECUTE') AND has_function_privilege('pg_control_checkpoint()', 'EXECUTE')",
            logger: logger
        ).decode(Bool.self).all().first ?? false
        if readable {
            let rows = try await connection.checkedQuery(
                "SELECT (SELECT system_identifier::text FROM pg_control_system()), (SELECT timeline_id::text FROM pg_control_checkpoint())",
                logger: logger
            ).decode((String, String).self).all()
            if let (system, timeline) = rows.first { return "\(system).\(timeline)" }
        }
        // A database's oid is new in a database made by a restore into another cluster.
        let oid = try await connection.checkedQuery(
            "SELECT oid::text FROM pg_database WHERE datname = current_database()", logger: logger
        ).decode(String.self).all().first ?? "0"
        return "db\(oid)"
    }
}
