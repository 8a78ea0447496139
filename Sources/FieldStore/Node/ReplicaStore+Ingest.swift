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
}

extension ReplicaStore {
    /// Takes in a device's push in one transaction: all of it is checked first, then the
    /// new ops are stored and applied, ops outside the pusher's scope are quarantined,
    /// and what is held of each replica moves forward. On any refusal (gap, future
    /// stamp, invalid op, a replica the pusher does not own, a resent op id with other
    /// content) nothing changes. `clockOffset` (node minus device, ms, measured at this
    /// sync) is kept in the same transaction. Attachments may declare at most
    /// `maxAttachmentBytes`.
    public func ingest(
        _ ops: [Op], from pusher: Principal, replica: ReplicaID, now: UInt64, clockOffset: Int64? = nil,
        maxAttachmentBytes: UInt64 = .max
    ) throws(StoreError) -> IngestResult {
        for op in ops {
            do { try op.validate() } catch { throw StoreError.invalid(error) }
            if op.stamp.wallMillis > now &+ HybridClock.maxForwardDrift {
                throw StoreError(
                    .futureStamp,
                    "op \(op.id) is stamped \((op.stamp.wallMillis - now) / 60_000) min ahead of the node's clock (limit \(HybridClock.maxForwardDrift / 60_000) min): set the device's clock and sync again")
            }
            if pusher.role == .engineer && op.id.replica != replica {
                throw StoreError(.forbidden, "a device pushes only its own ops: \(op.id) is not from \(replica)")
            }
            if case .attachmentAdded(let a) = op.body, a.byteSize > maxAttachmentBytes {
                throw StoreError(
                    .invalidOp,
                    "op \(op.id) attaches \(a.byteSize) bytes; this node takes attachments of at most \(maxAttachmentBytes) bytes: attach a smaller file")
            }
        }
        var pending: [TicketID: TicketCache.Entry] = [:]
        let result = try write { db in
            var result = IngestResult()
            var fresh: [Op] = []
            let byReplica = Dictionary(grouping: ops, by: \.id.replica)
            let replicas = Set(byReplica.keys).union([replica]).sorted()
            // Ownership first, for every replica the push names: a refusal here must come
            // before anything, quarantine included, is written or counted.
            var held: [ReplicaID: UInt64] = [:]
            for replicaID in replicas {
                if replicaID == identity.replica {
                    throw StoreError(.forbidden, "replica \(replicaID) is this node's own: no device may push or sync under it")
                }
                let progress = try ReplicaProgress.get(replicaID, db)
                if let owner = progress?.owner, owner != pusher.name {
                    throw StoreError(.forbidden, "replica \(replicaID) belongs to another principal, not \(pusher.name): each device syncs with its own engineer's token")
                }
                held[replicaID] = progress?.acked ?? 0
            }
            for replicaID in replicas {
                let acked = held[replicaID] ?? 0
                var new: [UInt64: Op] = [:]
                for op in byReplica[replicaID] ?? [] {
                    if op.id.counter <= acked {
                        // A resend must be the op the node holds: an id reused for other
                        // content would otherwise be acked and lost.
                        try Self.checkResent(op, db)
                        result.duplicates += 1
                    } else if let other = new[op.id.counter], other != op {
                        throw StoreError(.conflictingOp, "the push holds two different ops with id \(op.id): this replica reused a counter")
                    } else {
                        new[op.id.counter] = op
                    }
                }
                var next = acked
                while let op = new[next + 1] {
                    fresh.append(op)
                    next += 1
                }
                if next - acked != UInt64(new.count) {
                    throw StoreError(
                        .counterGap,
                        "ops of \(replicaID) skip counter \(next + 1) (the node holds up to \(acked)): push every op from \(acked + 1) on")
                }
                result.acked[replicaID] = next
                try ReplicaProgress.advance(replicaID, to: next, owner: pusher.name, db)
            }
            var allowed: [Op] = []
            var inScope: [EntityID: Bool] = [:]
            for op in fresh {
                let ok = try inScope[op.subject] ?? Scope.allows(pusher, ticket: op.subject, db)
                inScope[op.subject] = ok
                if ok {
                    allowed.append(op)
                } else {
                    try Self.quarantine(op, from: pusher, now: now, db)
                    result.quarantined.append(op.id)
                }
            }
            if let clockOffset {
                try db.cachedStatement(
                    sql: "INSERT OR REPLACE INTO device_clocks (replica, principal, offset_ms, measured_wall) VALUES (?, ?, ?, ?)"
                ).execute(arguments: [replica.rawValue, pusher.name, clockOffset, Int64(now)])
            }
            let applied = try applyInTransaction(allowed, now: now, db, derived: &pending)
            result.inserted = applied.inserted
            result.duplicates += applied.duplicates
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
        if let stored, stored != op {
            throw StoreError(
                .conflictingOp,
                "op \(op.id) differs from the op the node already holds under that id: this replica reused a counter (restored from a backup?); nothing was stored")
        }
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
