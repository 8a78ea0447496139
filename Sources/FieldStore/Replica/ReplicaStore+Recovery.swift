import FieldModel
import FieldWire
import Foundation
import GRDB

/// What a device gives back to a node restored from a backup (SPEC §9): the ops of the
/// ids it recorded under before a fork, and the ops of others it holds with the node's
/// vouchers.
extension ReplicaStore {
    static let recoveredIncarnationKey = "recovered_incarnation"

    /// The highest counter held of each replica (this replica's own from its maker): what
    /// a device's hello says it holds.
    public func holdings() throws(StoreError) -> [ReplicaID: UInt64] {
        try read { db in
            var out: [ReplicaID: UInt64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT replica, MAX(counter) FROM ops GROUP BY replica") {
                if let r = ReplicaID(row[0]) { out[r] = UInt64(bitPattern: row[1]) }
            }
            out[identity.replica] = try Self.loadMaker(identity.replica, db).nextCounter &- 1
            return out.filter { $0.value > 0 }
        }
    }

    /// Ops of the ids this replica recorded under before a fork that the node does not
    /// hold, in counter order per id, at most `limit`.
    public func unacknowledgedPrevious(limit: Int) throws(StoreError) -> [Op] {
        try read { db in
            var out: [Op] = []
            for row in try Row.fetchAll(db, sql: "SELECT replica, acked FROM own_replicas ORDER BY replica") where out.count < limit {
                out += try Row.fetchAll(
                    db, sql: "SELECT \(OpRows.columns) FROM ops WHERE replica = ? AND counter > ? ORDER BY counter LIMIT ?",
                    arguments: [row[0] as String, row[1] as Int64, limit - out.count]
                ).map(OpRows.decode)
            }
            return out
        }
    }

    /// Records what the node says it holds of the ids this replica recorded under before
    /// a fork. The node's word is the truth, lower than before too (a restored node lost
    /// ops: they are pushed again). Past what is held here too: nothing is recorded
    /// under those ids any more, and what the original recorded after the copy comes
    /// from the node.
    public func notePreviousAcks(_ acks: VersionVector) throws(StoreError) {
        try write { db in
            for row in try Row.fetchAll(db, sql: "SELECT replica FROM own_replicas") {
                guard let r = ReplicaID(row[0]) else { continue }
                try db.execute(sql: "UPDATE own_replicas SET acked = ? WHERE replica = ?", arguments: [Int64(bitPattern: acks[r]), r.rawValue])
            }
        }
    }

    /// Ops of other replicas held here with the node's voucher whose counter is past
    /// `after[replica]` (what the node says it holds), and past `sent[replica]` (what this
    /// sync gave back already), in counter order per replica, at most `limit`.
    public func vouchedOps(after: [ReplicaID: UInt64], sent: [ReplicaID: UInt64], limit: Int) throws(StoreError) -> [(Op, OpVoucher)] {
        try read { db in
            var out: [(Op, OpVoucher)] = []
            for (replica, acked) in after.sorted(by: { $0.key < $1.key }) where out.count < limit {
                let from = max(acked, sent[replica] ?? 0)
                for row in try Row.fetchAll(
                    db,
                    sql: "SELECT \(OpRows.columns), voucher_owner, voucher FROM ops WHERE replica = ? AND counter > ? AND voucher IS NOT NULL ORDER BY counter LIMIT ?",
                    arguments: [replica.rawValue, Int64(bitPattern: from), limit - out.count])
                {
                    let mac: Data = row[10]
                    out.append((try OpRows.decode(row), OpVoucher(owner: row[9], mac: [UInt8](mac))))
                }
            }
            return out
        }
    }

    /// The node incarnation this device last gave back what it held to, if any.
    public func recoveredIncarnation() throws(StoreError) -> String? {
        try read { db in try Meta.get(Self.recoveredIncarnationKey, db) }
    }

    /// The node incarnation this device saw at its last sync.
    public func nodeIncarnationSeen() throws(StoreError) -> String? {
        try read { db in try Meta.get(Self.nodeIncarnationKey, db) }
    }

    public func noteRecovered(incarnation: String) throws(StoreError) {
        try write { db in try Meta.set(Self.recoveredIncarnationKey, incarnation, db) }
    }

    /// Keeps the node's vouchers beside the ops they came with (`ops[i]` with `vouchers[i]`).
    static func keepVouchers(_ ops: [Op], _ vouchers: [OpVoucher?], _ db: Database) throws {
        let update = try db.cachedStatement(sql: "UPDATE ops SET voucher_owner = ?, voucher = ? WHERE replica = ? AND counter = ?")
        for (op, voucher) in zip(ops, vouchers) {
            guard let voucher else { continue }
            try update.execute(arguments: [voucher.owner, Data(voucher.mac), op.id.replica.rawValue, Int64(bitPattern: op.id.counter)])
        }
    }
}
