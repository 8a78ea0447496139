import FieldModel
import FieldWire
import Foundation
import GRDB

/// A node's vouchers (SPEC §3.10): the key it signs served ops with, made once and kept
/// in its store (so a backup of the store carries it, and a restored node recognises
/// what it served before the backup was taken), never sent or logged.
extension ReplicaStore {
    static let voucherKeyName = "voucher_key"

    /// The node's voucher key, made the first time.
    public func voucherKey() throws(StoreError) -> [UInt8] {
        if let hex = try read({ db in try Meta.get(Self.voucherKeyName, db) }) { return Self.bytes(fromHex: hex) }
        return try write { db in
            if let hex = try Meta.get(Self.voucherKeyName, db) { return Self.bytes(fromHex: hex) }
            var rng = SystemRandomNumberGenerator()
            let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            try Meta.set(Self.voucherKeyName, key.map { String(format: "%02x", $0) }.joined(), db)
            return key
        }
    }

    /// A voucher for each of `ops` (about to be served), naming its replica's owner here.
    public func vouchers(for ops: [Op], key: [UInt8]) throws(StoreError) -> [OpVoucher?] {
        let owners = try read { db in
            var owners: [ReplicaID: String] = [:]
            for replica in Set(ops.map(\.id.replica)) {
                if let owner = try ReplicaProgress.get(replica, db)?.owner { owners[replica] = owner }
            }
            return owners
        }
        return ops.map { op in owners[op.id.replica].map { OpVoucher(for: op, owner: $0, key: key) } }
    }

    /// The replicas of `have` (what a device says it holds: the highest counter of each)
    /// of which the device holds ops past any this node holds, leaving out those
    /// `principal` owns or may claim (its own ids, which it pushes): the node was restored from a backup
    /// and lacks what the device pulled before (SPEC §9.4).
    public func lacking(_ have: VersionVector, for principal: Principal) throws(StoreError) -> [ReplicaID] {
        try read { db in
            var out: [ReplicaID] = []
            for (replica, counter) in have.sorted {
                let most = try Int64.fetchOne(
                    try db.cachedStatement(sql: "SELECT MAX(counter) FROM ops WHERE replica = ?"), arguments: [replica.rawValue]) ?? 0
                guard counter > UInt64(bitPattern: most) else { continue }
                let owner = try ReplicaProgress.get(replica, db)?.owner
                if owner == principal.name { continue }
                // One the node lost that the pusher may claim (its engineer's own-named ids,
                // SPEC §9.3): it pushes them as its own.
                if owner == nil && principal.role == .engineer && principal.mayClaim(replica) { continue }
                out.append(replica)
            }
            return out
        }
    }

    /// The principal that owns `replica` here, if any.
    public func owner(of replica: ReplicaID) throws(StoreError) -> String? {
        try read { db in try ReplicaProgress.get(replica, db)?.owner }
    }

    /// What this store holds of each of `replicas`, contiguously from the first.
    public func held(of replicas: some Sequence<ReplicaID>) throws(StoreError) -> [ReplicaID: UInt64] {
        try read { db in
            var out: [ReplicaID: UInt64] = [:]
            for r in replicas { out[r] = try ReplicaProgress.get(r, db)?.acked ?? 0 }
            return out
        }
    }
}
