import FieldWire
import Foundation
import FieldModel
import GRDB

/// What a device knows of its node: where the last pull ended, what the node holds of
/// this replica, and the node's clock offset.
public struct SyncState: Sendable, Hashable {
    /// Opaque cursor the node gave last (empty before the first pull).
    public var cursor: [UInt8]
    /// Every op of this replica up to this counter is held by the node.
    public var acked: UInt64
    /// Node clock minus device clock, measured at the last sync (ms).
    public var clockOffset: Int64

    public init(cursor: [UInt8], acked: UInt64, clockOffset: Int64) {
        self.cursor = cursor
        self.acked = acked
        self.clockOffset = clockOffset
    }
}

extension ReplicaStore {
    static let cursorKey = "sync_cursor"
    static let ackedKey = "sync_acked"

    public func syncState() throws(StoreError) -> SyncState {
        try read { db in
            SyncState(
                cursor: Self.bytes(fromHex: try Meta.get(Self.cursorKey, db) ?? ""),
                acked: UInt64(try Meta.get(Self.ackedKey, db) ?? "0") ?? 0,
                clockOffset: Int64(try Meta.get(Meta.clockOffset, db) ?? "0") ?? 0)
        }
    }

    /// This replica's ops the node has not acknowledged, oldest first, at most `limit`.
    /// Each is checked against its stored checksum as it is read: a damaged op stops the
    /// push with a `damaged` error naming it and pointing to `fieldsync check`, so it is
    /// never sent to the node as truth.
    public func unacknowledged(after acked: UInt64, limit: Int) throws(StoreError) -> [Op] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(OpRows.columns) FROM ops WHERE replica = ? AND counter > ? ORDER BY counter LIMIT ?",
                arguments: [identity.replica.rawValue, Int64(bitPattern: acked), limit]
            ).map(OpRows.decode)
        }
    }

    /// How many of this replica's ops wait for the node.
    public func unacknowledgedCount(after acked: UInt64) throws(StoreError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ops WHERE replica = ? AND counter > ?",
                             arguments: [identity.replica.rawValue, Int64(bitPattern: acked)]) ?? 0
        }
    }

    /// Commits a pulled page, the new cursor, the node's ack and clock offset together:
    /// after a crash either all of them are in the replica or none.
    @discardableResult
    /// `checksums`: the page's op-checksums (SPEC §3.9), if the node sent them; `vouchers`
    /// its op-vouchers (SPEC §3.10), kept beside the ops.
    public func commitSyncPage(
        _ ops: [Op], checksums: [OpChecksum]? = nil, vouchers: [OpVoucher?]? = nil, left: [EntityID] = [], state: SyncState,
        now: UInt64, unreferenced: ((Digest) -> Void)? = nil
    ) throws(StoreError) -> ApplyResult {
        var orphans: [Digest] = []
        let result = try apply(ops, checksums: checksums, now: now) { [cache, identity] db in
            if let vouchers { try Self.keepVouchers(ops, vouchers, db) }
            // After the page's ops: an entity that left within the page goes, whatever came of it.
            orphans = try Self.purge(left, own: identity.replica, db, cache: cache)
            try Meta.set(Self.cursorKey, state.cursor.map { String(format: "%02x", $0) }.joined(), db)
            try Meta.set(Self.ackedKey, String(state.acked), db)
            try Meta.set(Meta.clockOffset, String(state.clockOffset), db)
        }
        for digest in orphans { unreferenced?(digest) }
        return result
    }

    static func bytes(fromHex hex: String) -> [UInt8] {
        let u = Array(hex.utf8)
        guard u.count % 2 == 0 else { return [] }
        return stride(from: 0, to: u.count, by: 2).compactMap { UInt8(String(decoding: u[$0..<($0 + 2)], as: UTF8.self), radix: 16) }
    }
}
