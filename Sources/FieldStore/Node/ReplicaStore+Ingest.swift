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
    /// stamp, invalid op, replica of someone else) nothing changes. `clockOffset` (node
    /// minus device, ms, measured at this sync) is kept in the same transaction.
    public func ingest(
        _ ops: [Op], from pusher: Principal, replica: ReplicaID, now: UInt64, clockOffset: Int64? = nil
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
        }
        var pending: [TicketID: TicketCache.Entry] = [:]
        let result = try write { db in
            var result = IngestResult()
            var fresh: [Op] = []
            let byReplica = Dictionary(grouping: ops, by: \.id.replica)
            for replicaID in Set(byReplica.keys).union([replica]).sorted() {
                let progress = try Row.fetchOne(
                    db, sql: "SELECT acked, owner FROM replica_progress WHERE replica = ?", arguments: [replicaID.rawValue])
                let acked = UInt64(progress?["acked"] as Int64? ?? 0)
                if let owner: String = progress?["owner"], owner != pusher.name, pusher.role == .engineer {
                    throw StoreError(.forbidden, "replica \(replicaID) belongs to \(owner), not \(pusher.name): each device syncs with its engineer's token")
                }
                let mine = byReplica[replicaID] ?? []
                result.duplicates += mine.filter { $0.id.counter <= acked }.count
                let new = Dictionary(mine.filter { $0.id.counter > acked }.map { ($0.id.counter, $0) }) { a, _ in a }
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
                try db.execute(
                    sql: "INSERT INTO replica_progress (replica, acked, owner) VALUES (?, ?, ?) ON CONFLICT(replica) DO UPDATE SET acked = excluded.acked",
                    arguments: [replicaID.rawValue, Int64(bitPattern: next), pusher.name])
            }
            var allowed: [Op] = []
            var inScope: [EntityID: Bool] = [:]
            for op in fresh {
                let ok = try inScope[op.subject] ?? Scope.allows(pusher, ticket: op.subject, db)
                inScope[op.subject] = ok
                if ok {
                    allowed.append(op)
                } else {
                    try db.execute(
                        sql: """
                            INSERT OR IGNORE INTO quarantine (received_wall, principal, replica, counter, wall, logical, subject, kind, payload, reason)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            Int64(now), pusher.name, op.id.replica.rawValue, Int64(bitPattern: op.id.counter),
                            Int64(op.stamp.wallMillis), Int64(op.stamp.logical), op.subject.rawValue,
                            Int64(bitPattern: op.body.kind.rawValue), Data(OpPayloadCodec.encode(op.body)),
                            "ticket \(op.subject) is not assigned to \(pusher.name)",
                        ])
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
