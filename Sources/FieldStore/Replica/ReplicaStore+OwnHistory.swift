import FieldModel
import FieldWire
import Foundation
import GRDB

/// What taking back this replica's own history from the node did.
public struct OwnHistoryAdoption: Sendable, Hashable {
    /// This replica's ops the node held and this copy did not (a restore lost them).
    public var restored = 0
    /// Ops recorded here since a restore whose counters the node already held for other
    /// ops: moved to fresh counters, old id → new id.
    public var renumbered: [OpID: OpID] = [:]
}

extension ReplicaStore {
    /// The highest counter this replica has given one of its own ops (0 before the first).
    public func ownMaxCounter() throws(StoreError) -> UInt64 {
        try read { db in try Self.loadMaker(identity.replica, db).nextCounter &- 1 }
    }

    /// Takes back this replica's own ops from the node, in one transaction. A replica
    /// restored from a backup lacks ops it made after the backup, and may already have
    /// made new ops under the same counters: those keep their content and move to
    /// counters past everything the node holds (references to them follow), the node's
    /// ops are stored under their ids, and every ticket either touched is derived again
    /// from the log. Nothing recorded on either side is lost.
    public func adoptOwnHistory(_ ops: [Op], now: UInt64) throws(StoreError) -> OwnHistoryAdoption {
        let mine = ops.filter { $0.id.replica == identity.replica }.sorted { $0.id.counter < $1.id.counter }
        for op in mine {
            do { try op.validate() } catch { throw StoreError.invalid(error) }
        }
        guard !mine.isEmpty else { return OwnHistoryAdoption() }
        var touched: Set<TicketID> = []
        let adoption = try write { db in
            var adoption = OwnHistoryAdoption()
            var maker = try Self.loadMaker(identity.replica, db)
            var firstConflict: UInt64?
            for op in mine {
                if let local = try OpRows.op(op.id, db), local != op {
                    firstConflict = min(firstConflict ?? op.id.counter, op.id.counter)
                }
            }
            var moving: [Op] = []
            if let first = firstConflict {
                moving = try OpRows.ownOps(of: identity.replica, from: first, db)
                try db.execute(
                    sql: "DELETE FROM ops WHERE replica = ? AND counter >= ?",
                    arguments: [identity.replica.rawValue, Int64(bitPattern: first)])
                touched.formUnion(moving.map(\.subject))
            }
            for op in mine {
                if try OpRows.insert(op, payload: OpPayloadCodec.encode(op.body), db) != nil { adoption.restored += 1 }
                touched.insert(op.subject)
                maker.observe(op.stamp, now: now)
                maker.skip(past: op.id.counter)
            }
            if let first = firstConflict {
                // The moved ops go right after the node's: numbering them after the old
                // counter would leave a hole the node could never fill (a counter gap at
                // every later push).
                maker = OpMaker(clock: maker.clock, nextCounter: max(first, (mine.last?.id.counter ?? 0) &+ 1))
            }
            var renumbering = OpRenumbering()
            for op in moving {
                let moved = renumbering.move(op, with: &maker)
                _ = try OpRows.insert(moved, payload: OpPayloadCodec.encode(moved.body), db)
                adoption.renumbered[op.id] = moved.id
                touched.insert(moved.subject)
            }
            for id in touched { try Self.rederive(id, db) }
            try Self.saveMaker(maker, db)
            try ReplicaProgress.advance(identity.replica, to: maker.nextCounter &- 1, owner: ReplicaProgress.selfOwner, db)
            return adoption
        }
        cache.remove(touched)
        return adoption
    }

    /// Derives a ticket again from every op of it in the log; one with no op left (a
    /// moved creation's old id) loses its rows.
    static func rederive(_ id: TicketID, _ db: Database) throws {
        guard id.kind == .ticket else {
            try EntityProjections.projection(for: id.kind)?.rebuild(id, db)
            return
        }
        let (ops, lastSeq) = try OpRows.ops(of: id, db)
        guard !ops.isEmpty else {
            for table in ["tickets"] { try db.execute(sql: "DELETE FROM \(table) WHERE id = ?", arguments: [id.rawValue]) }
            for table in ["blob_refs", "ticket_scope"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE ticket = ?", arguments: [id.rawValue])
            }
            try StockRows.purge(id, db)
            return
        }
        var ticket = Ticket(id: id)
        for op in ops { ticket.apply(op) }
        try TicketRows.save(ticket, seq: lastSeq, db)
        try StockRows.ticketChanged(ticket, db)
    }

    // MARK: The node's side

    /// Every op of `replica` up to this counter is held here (0 if none).
    public func held(of replica: ReplicaID) throws(StoreError) -> UInt64 {
        try read { db in try ReplicaProgress.get(replica, db)?.acked ?? 0 }
    }

    /// Ops of `replica` from counter `first` on, in counter order, at most `limit`: what
    /// a device lacks of its own history.
    public func ownOps(of replica: ReplicaID, from first: UInt64, limit: Int) throws(StoreError) -> [Op] {
        // No counter is past Int64.max (Op validation); SQLite would read it as negative.
        guard first <= UInt64(Int64.max) else { return [] }
        return try read { db in try OpRows.ownOps(of: replica, from: first, limit: limit, db) }
    }
}

extension OpRows {
    /// The op stored under `id`, if any.
    static func op(_ id: OpID, _ db: Database) throws -> Op? {
        try Row.fetchOne(
            try db.cachedStatement(sql: "SELECT \(columns) FROM ops WHERE replica = ? AND counter = ?"),
            arguments: [id.replica.rawValue, Int64(bitPattern: id.counter)]
        ).map(decode)
    }

    /// Ops of `replica` with counters from `first`, in counter order.
    static func ownOps(of replica: ReplicaID, from first: UInt64, limit: Int = .max, _ db: Database) throws -> [Op] {
        try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT \(columns) FROM ops WHERE replica = ? AND counter >= ? ORDER BY counter LIMIT ?"),
            arguments: [replica.rawValue, Int64(bitPattern: first), limit]
        ).map(decode)
    }
}

extension ReplicaStore {
    static let nodeIncarnationKey = "node_incarnation"

    /// Records the node's incarnation from its hello; true if it changed since the last
    /// sync. Then what the node holds of this device's photos is no longer known (it may
    /// be a restore): every confirmation is forgotten, so the next upload pass asks again
    /// and sends what the node lacks.
    public func noteNodeIncarnation(_ incarnation: String) throws(StoreError) -> Bool {
        guard !incarnation.isEmpty else { return false }
        return try write { db in
            let previous = try Meta.get(Self.nodeIncarnationKey, db)
            guard previous != incarnation else { return false }
            try Meta.set(Self.nodeIncarnationKey, incarnation, db)
            guard previous != nil else { return false }
            try db.execute(sql: "DELETE FROM blob_uploads")
            return true
        }
    }
}

extension OpRows {
    /// The end of the run of `replica`'s counters held from `after + 1` on (in the log, or
    /// in `also`, about to be stored): `after` when the next is not held.
    static func contiguousEnd(of replica: ReplicaID, after: UInt64, also: Set<UInt64> = [], _ db: Database) throws -> UInt64 {
        var next = after
        while true {
            let stored = try UInt64.fetchAll(
                try db.cachedStatement(sql: "SELECT counter FROM ops WHERE replica = ? AND counter > ? ORDER BY counter LIMIT 1000"),
                arguments: [replica.rawValue, Int64(bitPattern: next)])
            let before = next
            var run = Set(stored).union(also.filter { $0 > next })
            while run.remove(next + 1) != nil { next += 1 }
            if next == before || stored.count < 1000 { return next }
        }
    }
}
