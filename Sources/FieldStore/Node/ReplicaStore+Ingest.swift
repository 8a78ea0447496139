import FieldModel
import FieldWire
import Foundation
import GRDB

/// What a node did with a push.
public struct IngestResult: Sendable, Hashable {
    /// For each replica in the push, every op up to this counter is now held.
    public var acked: [ReplicaID: UInt64] = [:]
    public var inserted = 0
    /// Ops already held (a resend): nothing changed.
    public var duplicates = 0
    /// Ops refused for scope and kept in quarantine.
    public var quarantined: [OpID] = []

    public init() {}
}

extension ReplicaStore {
    /// Takes in a device's push in one transaction: all of it is checked first, then the
    /// new ops are stored and applied, ops outside the pusher's scope are quarantined,
    /// and what is held of each replica moves forward. On any refusal (gap, future
    /// stamp, invalid op, a replica the pusher does not own, a resent op id with other
    /// content) nothing changes. `clockOffset` (node minus device, ms, measured at this
    /// sync) is kept in the same transaction. Attachments may declare at most
    /// `maxAttachmentBytes`.
    ///
    /// `vouchers` (one per op, SPEC §3.10) let a device give back ops of other replicas
    /// that this node served before and lost to a restore: each must be this node's
    /// voucher under `voucherKey`. They are stored under their replica's owner as the
    /// voucher names it, and may leave gaps (a device holds only the ops of its tickets).
    public func ingest(
        _ ops: [Op], vouchers: [OpVoucher?]? = nil, voucherKey: [UInt8] = [], from pusher: Principal, replica: ReplicaID,
        now: UInt64, clockOffset: Int64? = nil, maxAttachmentBytes: UInt64 = .max
    ) throws(StoreError) -> IngestResult {
        // The same decisions as every backend's (PushCheck): vouchers first, then each op.
        let vouchedOwner = try PushCheck.vouchedOwners(ops, vouchers: vouchers, key: voucherKey)
        try PushCheck.validate(ops, now: now, maxAttachmentBytes: maxAttachmentBytes)
        var pending: [TicketID: TicketCache.Entry] = [:]
        let result = try write { db in
            var result = IngestResult()
            var fresh: [Op] = []
            let byReplica = Dictionary(grouping: ops, by: \.id.replica)
            let replicas = Set(byReplica.keys).union([replica]).sorted()
            // Ownership first, for every replica the push names: a refusal here must come
            // before anything, quarantine included, is written or counted.
            var held: [ReplicaID: UInt64] = [:]
            // Replicas whose ops all came with vouchers, and the owner the vouchers name.
            var recovered: [ReplicaID: String] = [:]
            // A depot relays its engineers' devices (M8): who they are, from central's record.
            let rights = pusher.role == .depot ? try DepotMembers.tree(of: pusher.name, db).rights(of: pusher.name) : RelayRights()
            let current = rights.current
            var owners: [ReplicaID: String] = [:]
            for replicaID in replicas {
                let givenBack = PushCheck.givenBackOwner(byReplica[replicaID] ?? [], vouchedOwner)
                if replicaID == identity.replica && givenBack == nil {
                    throw StoreError(.forbidden, "replica \(replicaID) is this node's own: no device may push or sync under it")
                }
                let progress = try ReplicaProgress.get(replicaID, db)
                try PushCheck.checkOwner(
                    of: replicaID, recorded: progress?.owner, claimant: givenBack ?? pusher.name, pusher: pusher, device: replica,
                    vouched: givenBack != nil, members: rights.owners, current: current)
                if let givenBack { recovered[replicaID] = givenBack }
                held[replicaID] = progress?.acked ?? 0
                owners[replicaID] = progress?.owner ?? PushCheck.claimedOwner(of: replicaID, by: pusher, members: current)
            }
            for replicaID in replicas {
                let acked = held[replicaID] ?? 0
                if let owner = recovered[replicaID] {
                    // Given back after a restore: stored where not held, gaps and all.
                    var seen: Set<UInt64> = []
                    for op in byReplica[replicaID] ?? [] where seen.insert(op.id.counter).inserted {
                        let stored = try OpRows.op(op.id, db) != nil
                        if op.id.counter <= acked || stored {
                            try Self.checkResent(op, db)
                            result.duplicates += 1
                        } else {
                            fresh.append(op)
                        }
                    }
                    let next = try OpRows.contiguousEnd(of: replicaID, after: acked, also: Set((byReplica[replicaID] ?? []).map(\.id.counter)), db)
                    result.acked[replicaID] = next
                    try ReplicaProgress.advance(replicaID, to: next, owner: owner, db)
                    continue
                }
                let (resent, new) = try PushCheck.split(byReplica[replicaID] ?? [], of: replicaID, acked: acked)
                for op in resent {
                    try Self.checkResent(op, db)
                    result.duplicates += 1
                }
                fresh += new
                var next = acked + UInt64(new.count)
                // Ops past these that a device gave back after a restore are held too.
                next = try OpRows.contiguousEnd(of: replicaID, after: next, db)
                result.acked[replicaID] = next
                try ReplicaProgress.advance(replicaID, to: next, owner: PushCheck.claimedOwner(of: replicaID, by: pusher, members: current), db)
            }
            // Vouched ops were in this node's log before: they go back there first, so the
            // pusher's own ops on a ticket they bring back are in scope.
            let givenBack = fresh.filter { recovered[$0.id.replica] != nil }
            var applied = try applyInTransaction(givenBack, now: now, db, derived: &pending)
            var allowed: [Op] = []
            // Keyed by who is judged and the subject (a depot's push holds several engineers').
            var inScope: [String: Bool] = [:]
            func judge(_ op: Op) -> Principal { PushCheck.judge(of: op, pusher: pusher, owners: owners, rights: rights) }
            let pushed = fresh.filter { recovered[$0.id.replica] == nil }
            var transfers: [EntityID: [Op]] = [:]
            for id in PushCheck.transfersConfirmed(in: pushed) { transfers[id] = try OpRows.ops(of: id, db).ops }
            for (who, ops) in Dictionary(grouping: pushed, by: judge) { try PushCheck.checkStock(ops, by: who, held: transfers) }
            for op in pushed {
                // A stock movement's recorder was checked above (ownership, not ticket scope).
                let who = judge(op)
                let key = who.name + " " + op.subject.rawValue
                let ok = try PushCheck.isStock(op) || (inScope[key] ?? Scope.allows(who, ticket: op.subject, db))
                if !PushCheck.isStock(op) { inScope[key] = ok }
                if ok {
                    allowed.append(op)
                } else {
                    try Self.quarantine(op, from: who, now: now, db)
                    result.quarantined.append(op.id)
                }
            }
            if let clockOffset {
                try db.cachedStatement(
                    sql: "INSERT OR REPLACE INTO device_clocks (replica, principal, offset_ms, measured_wall) VALUES (?, ?, ?, ?)"
                ).execute(arguments: [replica.rawValue, pusher.name, clockOffset, Int64(now)])
            }
            let own = try applyInTransaction(allowed, now: now, db, derived: &pending)
            applied.inserted += own.inserted
            applied.duplicates += own.duplicates
            // Ops quarantined earlier on these tickets whose pusher has them in scope now.
            let released = try Self.releaseQuarantine(on: Set((givenBack + allowed).map(\.subject)), db)
            if !released.isEmpty { applied.inserted += try applyInTransaction(released, now: now, db, derived: &pending).inserted }
            result.inserted = applied.inserted
            result.duplicates += applied.duplicates
            // What a depot relayed: it holds every op of the replica up to the highest it
            // pushed (its acks are contiguous), so its pulls leave those out (M8).
            if pusher.role == .depot {
                for (replicaID, ops) in byReplica where replicaID != replica {
                    let through = min(ops.map(\.id.counter).max() ?? 0, result.acked[replicaID] ?? 0)
                    guard through > 0 else { continue }
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO relayed_through (depot, replica, counter) VALUES (?, ?, ?)
                            ON CONFLICT (depot, replica) DO UPDATE SET counter = MAX(counter, excluded.counter)
                            """
                    ).execute(arguments: [pusher.name, replicaID.rawValue, Int64(bitPattern: through)])
                }
            }
            return result
        }
        cache.put(pending)
        return result
    }

    /// Throws `conflictingOp` if the node holds an op with `op`'s id (in the log or in
    /// quarantine) whose content differs.
    static func checkResent(_ op: Op, _ db: Database) throws {
        let args: StatementArguments = [op.id.replica.rawValue, Int64(bitPattern: op.id.counter)]
        let stored: Op?
        if let row = try Row.fetchOne(
            try db.cachedStatement(sql: "SELECT \(OpRows.columns) FROM ops WHERE replica = ? AND counter = ?"), arguments: args)
        {
            stored = try OpRows.decode(row)
        } else if let row = try Row.fetchOne(
            try db.cachedStatement(sql: "SELECT 0 AS seq, replica, counter, wall, logical, subject, kind, payload FROM quarantine WHERE replica = ? AND counter = ?"),
            arguments: args)
        {
            stored = try OpRows.decode(row)
        } else {
            stored = nil
        }
        try PushCheck.checkResent(op, held: stored)
    }

    static func quarantine(_ op: Op, from pusher: Principal, now: UInt64, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO quarantine (received_wall, principal, replica, counter, wall, logical, subject, kind, payload, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                Int64(bitPattern: now), pusher.name, op.id.replica.rawValue, Int64(bitPattern: op.id.counter),
                Int64(bitPattern: op.stamp.wallMillis), Int64(op.stamp.logical), op.subject.rawValue,
                Int64(bitPattern: op.body.kind.rawValue), Data(OpPayloadCodec.encode(op.body)),
                "ticket \(op.subject) is not assigned to \(pusher.name)",
            ])
    }

    /// The last measured clock offset of each device (node minus device, ms).
    public func clockOffsets() throws(StoreError) -> [ReplicaID: Int64] {
        try read { db in
            var out: [ReplicaID: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT replica, offset_ms FROM device_clocks") {
                if let r = ReplicaID(row["replica"]) { out[r] = row["offset_ms"] }
            }
            return out
        }
    }
}
