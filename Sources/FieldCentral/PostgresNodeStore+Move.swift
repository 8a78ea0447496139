import FieldModel
import FieldStore
import FieldWire
import PostgresNIO

/// What moving a SQLite central into PostgreSQL needs beyond sync (`fieldsync-node migrate`):
/// the ops go in through ``ingest(_:vouchers:voucherKey:from:replica:now:clockOffset:maxAttachmentBytes:)``,
/// so every entity is materialised as a push would; the rest is copied as it is here.
extension PostgresNodeStore {
    /// What the database already holds of a central (nothing, for a move into it). A node
    /// that served it before anything was pushed made only the central's id: that is empty.
    public func contents() async throws(StoreError) -> (ops: Int, tokens: Int, replicas: Int) {
        try await guarded("counting what the database holds") {
            let rows = try await client.query(
                """
                SELECT (SELECT count(*) FROM ops), (SELECT count(*) FROM tokens),
                       (SELECT count(*) FROM replica_progress WHERE acked > 0 OR owner <> \(PushCheck.selfOwner))
                       + (SELECT count(*) FROM quarantine)
                """, logger: logger
            ).decode((Int64, Int64, Int64).self).all()
            let (ops, tokens, replicas) = rows.first ?? (0, 0, 0)
            return (Int(ops), Int(tokens), Int(replicas))
        }
    }

    /// Takes over a moved central's identity: its replica id (devices know it; its counters
    /// go on from what was moved) and its voucher key (vouchers devices hold stay good).
    public func adopt(replica: ReplicaID, voucherKey: [UInt8]) async throws(StoreError) {
        let hex = voucherKey.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        try await guarded("taking over the moved central's identity") {
            try await client.checkedTransaction(logger: logger) { connection in
                try await connection.checkedQuery("SELECT pg_advisory_xact_lock(\(Self.identityLockKey))", logger: logger)
                let cluster = try await Self.cluster(connection, logger: logger)
                for (name, value) in [("replica", replica.rawValue), ("cluster", cluster), ("voucher_key", hex)] {
                    try await connection.checkedQuery(
                        """
                        INSERT INTO central_meta (name, value) VALUES (\(name), \(value))
                        ON CONFLICT (name) DO UPDATE SET value = excluded.value
                        """, logger: logger)
                }
            }
        }
    }

    /// Copies tokens as they are (hashes only: a token is never known here).
    public func restore(tokens: [StoredToken]) async throws(StoreError) {
        try await guarded("copying tokens") {
            for t in tokens {
                try await client.query(
                    """
                    INSERT INTO tokens (id, sha256, name, role, created_wall, revoked_wall)
                    VALUES (\(t.record.id), \(t.sha256), \(t.record.name), \(t.record.role.rawValue), \(Int64(bitPattern: t.record.createdAt)),
                            \(t.record.revokedAt.map { Int64(bitPattern: $0) }))
                    """, logger: logger)
            }
        }
    }

    /// Sets what is held of each replica and its owner as the moved central had them.
    public func restore(holdings: [ReplicaHolding]) async throws(StoreError) {
        try await guarded("copying what is held of each replica") {
            for h in holdings {
                try await client.query(
                    """
                    INSERT INTO replica_progress (replica, acked, owner) VALUES (\(h.replica.rawValue), \(Int64(bitPattern: h.acked)), \(h.owner))
                    ON CONFLICT (replica) DO UPDATE SET acked = greatest(replica_progress.acked, excluded.acked), owner = excluded.owner
                    """, logger: logger)
            }
        }
    }

    /// Copies quarantined ops, still waiting for a dispatcher.
    public func restore(quarantine: [QuarantinedOp]) async throws(StoreError) {
        try await guarded("copying quarantined ops") {
            for q in quarantine {
                let r = OpRecord(q.op)
                try await client.query(
                    """
                    INSERT INTO quarantine (received_wall, principal, reason, \(unescaped: OpRecord.columns))
                    VALUES (\(Int64(bitPattern: q.receivedAt)), \(q.principal), \(q.reason), \(r.replica), \(r.counter), \(r.wall), \(r.logical),
                            \(r.subject), \(r.kind), \(r.payload), \(r.checksum))
                    ON CONFLICT (replica, counter) DO NOTHING
                    """, logger: logger)
            }
        }
    }

    /// Copies devices' last measured clocks.
    public func restore(clocks: [DeviceClock]) async throws(StoreError) {
        try await guarded("copying device clocks") {
            for c in clocks {
                try await client.query(
                    """
                    INSERT INTO device_clocks (replica, principal, offset_ms, measured_wall)
                    VALUES (\(c.replica.rawValue), \(c.principal), \(c.offsetMillis), \(Int64(bitPattern: c.measuredAt)))
                    ON CONFLICT (replica) DO UPDATE SET principal = excluded.principal, offset_ms = excluded.offset_ms,
                        measured_wall = excluded.measured_wall
                    """, logger: logger)
            }
        }
    }

    /// The digest of the whole op log (``OpLogDigest``), each op checked against its checksum.
    public func opLogDigest() async throws(StoreError) -> OpLogDigest {
        try await guarded("reading the op log") {
            var digest = OpLogDigest()
            // By bytes, as SQLite orders text: the database's collation may differ.
            for try await row in try await client.query(
                "SELECT \(unescaped: OpRecord.columns) FROM ops ORDER BY replica COLLATE \"C\", counter", logger: logger
            ).decode(OpRecord.Row.self) {
                digest.add(try OpRecord.decode(row))
            }
            return digest
        }
    }

    /// Each ticket's state digest, as materialised.
    public func ticketDigests() async throws(StoreError) -> [String: String] {
        try await guarded("reading tickets") {
            var out: [String: String] = [:]
            for try await (id, digest) in try await client.query("SELECT id, digest FROM tickets", logger: logger).decode((String, String).self) {
                out[id] = digest
            }
            return out
        }
    }
}
