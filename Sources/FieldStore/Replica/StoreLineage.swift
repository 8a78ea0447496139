import CFileSync
import FieldModel
import Foundation
import GRDB

/// Whether a store's file is the file it was made as, or a copy of it: a backup put
/// back, or a folder copied to another disk (SPEC §9.3).
///
/// A copy does not know what its original recorded after the copy was taken, so if it
/// went on numbering ops under the same replica id it would reuse counters that other
/// replicas may already hold for other ops (a device restored together with its node
/// cannot even be told by the node). So a store that finds it is a copy forks: it keeps
/// every op it has, records from now on under a new replica id, and remembers the old
/// one (`own_replicas`) to push what the node lacks of it. A copy is told by the file's
/// inode and birth time, recorded in the store: a copied file has a new birth time (and
/// usually a new inode). A file-system snapshot rolled back in place keeps both and is
/// not noticed here; a device's sync still finds that case from the node (SPEC §9).
enum StoreLineage {
    static let fileKey = "file_identity"

    /// `inode:seconds.nanoseconds` of the file at `path`, nil if it cannot be read.
    static func identity(of path: String) -> String? {
        var inode: UInt64 = 0
        var seconds: Int64 = 0
        var nanoseconds: UInt32 = 0
        guard fieldsync_file_identity(path, &inode, &seconds, &nanoseconds) == 0 else { return nil }
        return "\(inode):\(seconds).\(nanoseconds)"
    }

    /// Records the file's identity the first time; when the recorded one differs, forks
    /// the replica (in the same transaction) and returns the id it recorded under until
    /// now. Nil when nothing was forked.
    static func check(path: String, _ db: Database) throws -> ReplicaID? {
        guard let now = identity(of: path) else { return nil }
        let recorded = try Meta.get(fileKey, db)
        guard recorded != now else { return nil }
        try Meta.set(fileKey, now, db)
        guard recorded != nil, let raw = try Meta.get(Meta.replica, db), let old = ReplicaID(raw) else { return nil }
        let new = forkedID(of: old)
        let acked = try Meta.get(ReplicaStore.ackedKey, db) ?? "0"
        try db.execute(sql: "INSERT OR REPLACE INTO own_replicas (replica, acked) VALUES (?, ?)", arguments: [old.rawValue, Int64(acked) ?? 0])
        try Meta.set(Meta.replica, new.rawValue, db)
        try Meta.set(Meta.nextCounter, "1", db)
        try Meta.set(ReplicaStore.ackedKey, "0", db)
        return old
    }

    /// The same stem (an engineer's id, or `node`) with a new random suffix.
    static func forkedID(of id: ReplicaID) -> ReplicaID {
        let raw = id.rawValue
        let stem = raw.contains("-") ? String(raw[..<raw.lastIndex(of: "-")!]) : raw
        var rng = SystemRandomNumberGenerator()
        let hex = String(UInt32.random(in: 0...UInt32.max, using: &rng), radix: 16)
        return ReplicaID(String(stem.prefix(55)) + "-" + String(repeating: "0", count: 8 - hex.count) + hex)!
    }
}

extension ReplicaID {
    /// The same stem (an engineer's id, or `node`) with a new random suffix: the id a copy
    /// of a store records under from now on (SPEC §9.3).
    public static func forked(from id: ReplicaID) -> ReplicaID { StoreLineage.forkedID(of: id) }

    /// A node's new id: `node-` and 8 random hex digits, so no device can guess it in advance.
    public static func newNode() -> ReplicaID { forked(from: ReplicaID("node")!) }
}

extension ReplicaStore {
    /// Replica ids this store recorded under before it was forked, with what the node
    /// holds of each (SPEC §9.3).
    public func previousOwnReplicas() throws(StoreError) -> [ReplicaID: UInt64] {
        try read { db in
            var out: [ReplicaID: UInt64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT replica, acked FROM own_replicas") {
                if let r = ReplicaID(row[0]) { out[r] = UInt64(bitPattern: row[1]) }
            }
            return out
        }
    }
}
