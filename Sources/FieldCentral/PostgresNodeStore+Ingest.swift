import FieldModel
import FieldStore
import FieldWire
import PostgresNIO

extension PostgresNodeStore {
    /// Takes in a push in one transaction, as ``SQLiteNodeStore`` does (``PushCheck`` decides
    /// what both backends decide). Several nodes may take pushes of one replica at once (a
    /// device retrying through another node): each locks the replicas' progress rows, in
    /// one order, before reading them, so the second waits and then finds the first's ops
    /// held (resends, acknowledged once).
    public func ingest(
        _ ops: [Op], vouchers: [OpVoucher?]?, voucherKey: [UInt8], from pusher: Principal, replica: ReplicaID, now: UInt64,
        clockOffset: Int64?, maxAttachmentBytes: UInt64
    ) async throws(StoreError) -> IngestResult {
        let vouched = try PushCheck.vouchedOwners(ops, vouchers: vouchers, key: voucherKey)
        try PushCheck.validate(ops, now: now, maxAttachmentBytes: maxAttachmentBytes)
        let logger = logger
        let beforeCommit = beforeCommit
        return try await guarded("taking in a push") {
            try await client.checkedTransaction(logger: logger) { connection in
                let result = try await Ingest(connection: connection, logger: logger, pusher: pusher, now: now)
                    .run(ops, vouched: vouched, replica: replica, clockOffset: clockOffset)
                try await beforeCommit()
                return result
            }
        }
    }
}

/// One push's transaction.
struct Ingest {
    let connection: PostgresConnection
    let logger: Logger
    let pusher: Principal
    let now: UInt64

    func run(_ ops: [Op], vouched: [OpID: String], replica: ReplicaID, clockOffset: Int64?) async throws -> IngestResult {
        var result = IngestResult()
        let byReplica = Dictionary(grouping: ops, by: \.id.replica)
        var fresh: [Op] = []
        // Ownership first, for every replica the push names, before anything is written.
        var held: [ReplicaID: UInt64] = [:]
        // Replicas whose ops all came with vouchers: given back, under the owner they name.
        var givenBackBy: [ReplicaID: String] = [:]
        // A depot relays its engineers' devices (M8): who they are, from central's record.
        let rights = pusher.role == .depot ? try await DepotRows(connection: connection, logger: logger).tree(of: pusher.name).rights(of: pusher.name) : RelayRights()
        let current = rights.current
        var owners: [ReplicaID: String] = [:]
        for r in Set(byReplica.keys).union([replica]).sorted() {
            let recorded = try await progress(of: r)
            let givenBack = PushCheck.givenBackOwner(byReplica[r] ?? [], vouched)
            try PushCheck.checkOwner(
                of: r, recorded: recorded?.owner, claimant: givenBack ?? pusher.name, pusher: pusher, device: replica, vouched: givenBack != nil,
                members: rights.owners, current: current)
            held[r] = recorded?.acked ?? 0
            givenBackBy[r] = givenBack
            owners[r] = recorded?.owner ?? PushCheck.claimedOwner(of: r, by: pusher, members: current)
        }
        try await lockSubjects(of: ops)
        var givenBack: [Op] = []
        for (r, acked) in held.sorted(by: { $0.key < $1.key }) {
            let next: UInt64
            if let owner = givenBackBy[r] {
                // Given back after a restore: stored where not held, gaps and all.
                var seen: Set<UInt64> = []
                for op in byReplica[r] ?? [] where seen.insert(op.id.counter).inserted {
                    if let stored = try await heldOp(op.id) {
                        try PushCheck.checkResent(op, held: stored)
                        result.duplicates += 1
                    } else if op.id.counter <= acked {
                        result.duplicates += 1
                    } else {
                        givenBack.append(op)
                    }
                }
                next = try await contiguousEnd(of: r, after: acked, also: seen)
                try await advance(r, to: next, owner: owner)
            } else {
                let (resent, new) = try PushCheck.split(byReplica[r] ?? [], of: r, acked: acked)
                for op in resent {
                    try PushCheck.checkResent(op, held: try await heldOp(op.id))
                    result.duplicates += 1
                }
                fresh += new
                // Ops past these that a device gave back after a restore are held too.
                next = try await contiguousEnd(of: r, after: acked + UInt64(new.count), also: [])
                try await advance(r, to: next, owner: PushCheck.claimedOwner(of: r, by: pusher, members: current))
            }
            result.acked[r] = next
        }
        // Given-back ops go back in the log first, so the pusher's own ops on a ticket they
        // bring back are in scope.
        let restored = try await store(givenBack)
        try await materialise(restored)
        var allowed: [Op] = []
        var transfers: [EntityID: [Op]] = [:]
        for id in PushCheck.transfersConfirmed(in: fresh) {
            transfers[id] = try await EntityMaterialiser(connection: connection, logger: logger).ops(of: id)
        }
        // Judged as their pusher, or a depot's relayed ops as their engineer (PushCheck.judge).
        let owned = owners
        let byJudge = Dictionary(grouping: fresh) { PushCheck.judge(of: $0, pusher: pusher, owners: owned, rights: rights) }
        for (who, ops) in byJudge { try PushCheck.checkStock(ops, by: who, held: transfers) }
        var allowedIDs: Set<OpID> = []
        for (who, ops) in byJudge {
            let inScope = try await mayChange(Set(ops.filter { !PushCheck.isStock($0) }.map(\.subject)), for: who)
            for op in ops {
                if PushCheck.isStock(op) || inScope.contains(op.subject) {
                    allowedIDs.insert(op.id)
                } else {
                    try await quarantine(op, for: who)
                    result.quarantined.append(op.id)
                }
            }
        }
        // In push order, as before.
        allowed = fresh.filter { allowedIDs.contains($0.id) }
        if let clockOffset {
            try await query(
                """
                INSERT INTO device_clocks (replica, principal, offset_ms, measured_wall)
                VALUES (\(replica.rawValue), \(pusher.name), \(clockOffset), \(Int64(clamping: now)))
                ON CONFLICT (replica) DO UPDATE SET principal = excluded.principal, offset_ms = excluded.offset_ms, measured_wall = excluded.measured_wall
                """)
        }
        let stored = try await store(allowed)
        // The tickets first: an assignment in this push brings its engineer into scope,
        // and the ops they pushed on the ticket before leave quarantine for the log.
        try await materialise(stored)
        let released = try await release(on: Set(stored.keys).union(restored.keys))
        try await materialise(try await store(released))
        result.inserted = givenBack.count + allowed.count + released.count
        // What a depot relayed (M8), as SQLite records it: its pulls leave those out.
        if pusher.role == .depot {
            for (r, pushed) in byReplica where r != replica {
                let through = min(pushed.map(\.id.counter).max() ?? 0, result.acked[r] ?? 0)
                guard through > 0 else { continue }
                try await query(
                    """
                    INSERT INTO relayed_through (depot, replica, counter) VALUES (\(pusher.name), \(r.rawValue), \(Int64(bitPattern: through)))
                    ON CONFLICT (depot, replica) DO UPDATE SET counter = GREATEST(relayed_through.counter, excluded.counter)
                    """)
            }
        }
        return result
    }

    /// Records that every op of `replica` up to `acked` is held; the owner is set only when
    /// the row is new (ownership never moves).
    func advance(_ replica: ReplicaID, to acked: UInt64, owner: String) async throws {
        try await query(
            """
            INSERT INTO replica_progress (replica, acked, owner) VALUES (\(replica.rawValue), \(Int64(bitPattern: acked)), \(owner))
            ON CONFLICT (replica) DO UPDATE SET acked = greatest(replica_progress.acked, excluded.acked)
            """)
    }

    /// The highest counter up to which `replica`'s ops run on without a gap from `after`,
    /// counting those stored and `also` (being stored now).
    func contiguousEnd(of replica: ReplicaID, after: UInt64, also: Set<UInt64>) async throws -> UInt64 {
        let from = Int64(bitPattern: after)
        var have = also
        for try await counter in try await query(
            "SELECT counter FROM ops WHERE replica = \(replica.rawValue) AND counter > \(from) ORDER BY counter LIMIT 100000"
        ).decode(Int64.self) {
            have.insert(UInt64(bitPattern: counter))
        }
        var next = after
        while have.contains(next + 1) { next += 1 }
        return next
    }

    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await connection.checkedQuery(query, logger: logger)
    }

    /// The replica's progress row, locked until the transaction ends.
    func progress(of replica: ReplicaID) async throws -> (acked: UInt64, owner: String)? {
        let rows = try await query("SELECT acked, owner FROM replica_progress WHERE replica = \(replica.rawValue) FOR UPDATE")
            .decode((Int64, String).self).all()
        return rows.first.map { (UInt64(bitPattern: $0.0), $0.1) }
    }

    /// The op held under `id`, in the log or in quarantine.
    func heldOp(_ id: OpID) async throws -> Op? {
        let counter = Int64(bitPattern: id.counter)
        let columns = OpRecord.columns
        let rows = try await query(
            """
            SELECT \(unescaped: columns) FROM ops WHERE replica = \(id.replica.rawValue) AND counter = \(counter)
            UNION ALL SELECT \(unescaped: columns) FROM quarantine WHERE replica = \(id.replica.rawValue) AND counter = \(counter)
            """
        ).decode(OpRecord.Row.self).all()
        return try rows.first.map { row throws(StoreError) in try OpRecord.decode(row) }
    }

    /// Which of `subjects` the pusher may change, in one round trip: every role but an
    /// engineer's and a depot's, all; an engineer, the tickets they are or were assigned to;
    /// a depot, its current engineers' and the depots' it relays (its own ops: a relayed op is
    /// judged as its engineer's).
    func mayChange(_ subjects: Set<EntityID>, for principal: Principal) async throws -> Set<EntityID> {
        if principal.seesEverything || subjects.isEmpty { return subjects }
        let names = principal.role == .depot ? try await DepotRows(connection: connection, logger: logger).scopeNames(of: principal.name) : [principal.name]
        var out: Set<EntityID> = []
        for try await ticket in try await query(
            "SELECT ticket FROM ticket_scope WHERE engineer = ANY(\(names)) AND ticket = ANY(\(subjects.map(\.rawValue)))"
        ).decode(String.self) {
            if let id = EntityID(ticket) { out.insert(id) }
        }
        return out
    }

    func quarantine(_ op: Op, for principal: Principal) async throws {
        let record = OpRecord(op)
        try await query(
            """
            INSERT INTO quarantine (received_wall, principal, reason, \(unescaped: OpRecord.columns))
            VALUES (\(Int64(clamping: now)), \(principal.name), \("ticket \(op.subject) is not assigned to \(principal.name)"),
                    \(record.replica), \(record.counter), \(record.wall), \(record.logical), \(record.subject), \(record.kind),
                    \(record.payload), \(record.checksum))
            ON CONFLICT (replica, counter) DO NOTHING
            """)
    }

    /// Appends `ops` to the log; the last seq stored per subject.
    func store(_ ops: [Op]) async throws -> [EntityID: Int64] {
        guard !ops.isEmpty else { return [:] }
        // One statement for the whole push (one round trip, not one per op), in the push's
        // order: seq follows the ordinality.
        let records = ops.map(OpRecord.init)
        var last: [EntityID: Int64] = [:]
        for try await (seq, subject) in try await query(
            """
            INSERT INTO ops (\(unescaped: OpRecord.columns))
            SELECT r, c, w, l, s, k, p, x FROM unnest(
                \(records.map(\.replica))::text[], \(records.map(\.counter))::int8[], \(records.map(\.wall))::int8[],
                \(records.map(\.logical))::int8[], \(records.map(\.subject))::text[], \(records.map(\.kind))::int8[],
                \(records.map(\.payload))::bytea[], \(records.map(\.checksum))::int8[]
            ) WITH ORDINALITY AS t(r, c, w, l, s, k, p, x, n) ORDER BY n
            ON CONFLICT (replica, counter) DO NOTHING RETURNING seq, subject
            """
        ).decode((Int64, String).self) {
            if let id = EntityID(subject) { last[id] = max(last[id] ?? 0, seq) }
        }
        return last
    }

    /// Takes out of quarantine the ops on `subjects` whose pusher has the ticket in scope
    /// now (it was assigned to them by this push, or one before it).
    func release(on subjects: Set<EntityID>) async throws -> [Op] {
        guard !subjects.isEmpty else { return [] }
        var released: [Op] = []
        for try await row in try await query(
            """
            DELETE FROM quarantine q WHERE q.subject = ANY(\(subjects.map(\.rawValue)))
              AND EXISTS (SELECT 1 FROM ticket_scope s WHERE s.engineer = q.principal AND s.ticket = q.subject)
            RETURNING \(unescaped: OpRecord.columns)
            """
        ).decode(OpRecord.Row.self) {
            released.append(try OpRecord.decode(row))
        }
        return released.sorted { ($0.id.replica, $0.id.counter) < ($1.id.replica, $1.id.counter) }
    }

    /// Locks every entity the push names until the transaction ends, in one order (by key),
    /// before any is read: two nodes storing ops on one ticket at once would each derive it
    /// (its list row, its facts) without the other's ops, and the last to commit would leave
    /// it stale. The second now waits and derives it with both. Two-key advisory locks are a
    /// key space of their own, apart from the single-key ones (migrations, scope, identity).
    func lockSubjects(of ops: [Op]) async throws {
        let subjects = Array(Set(ops.map(\.subject.rawValue)))
        guard !subjects.isEmpty else { return }
        try await query(
            """
            SELECT pg_advisory_xact_lock(\(Self.subjectLockSpace), k)
            FROM (SELECT DISTINCT hashtext(s) AS k FROM unnest(\(subjects)::text[]) AS s ORDER BY k) AS keys
            """)
    }

    /// The first key of every subject lock ("FSUB").
    static let subjectLockSpace: Int32 = 0x4653_5542

    /// Re-derives every subject the transaction stored ops on: tickets, entities beyond
    /// them, and who sees what (``EntityMaterialiser``).
    func materialise(_ lastSeq: [EntityID: Int64]) async throws {
        try await EntityMaterialiser(connection: connection, logger: logger).materialise(lastSeq)
    }
}
