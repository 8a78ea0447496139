import FieldModel
import GRDB

/// A page of ops for a puller.
public struct PullResult: Sendable, Hashable {
    public var ops: [Op]
    /// Log position to continue after.
    public var next: Int64
    /// ``LogPosition/check(of:)`` of the op stored at `next` (0 when `next` is 0).
    public var nextCheck: UInt64 = 0
    public var more: Bool
    /// The cursor did not name this log's history (the node was restored from a backup,
    /// or the cursor is from another node): the page starts from the beginning.
    public var restarted = false
    /// Entities that left the puller's scope within the page (SPEC §3.11): it purges them.
    public var left: [EntityID] = []
}

/// A position in a node's op log that can tell whether it still names the same history:
/// the op stored there, as a 64-bit check of its id. A node restored from a backup
/// stores other ops (or none) at the positions its devices saw last; a cursor that
/// trusted the position alone would skip everything stored there since.
public enum LogPosition {
    public static func check(of id: OpID) -> UInt64 {
        let digest = SHA256.hash(Array("\(id.replica.rawValue)/\(id.counter)".utf8)).bytes
        return digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func check(at seq: Int64, _ db: Database) throws -> UInt64? {
        guard seq > 0 else { return 0 }
        guard
            let row = try Row.fetchOne(
                try db.cachedStatement(sql: "SELECT replica, counter FROM ops WHERE seq = ?"), arguments: [seq]),
            let replica = ReplicaID(row[0])
        else { return nil }
        return check(of: OpID(replica: replica, counter: UInt64(bitPattern: row[1])))
    }
}

extension ReplicaStore {
    /// The ops `principal` sees that were stored after log position `cursor`, at most
    /// `limit` of them in log order, plus the whole history of every ticket that entered
    /// their scope within the page (so a ticket assigned while they were offline arrives
    /// whole). Ops made by `requester` itself are not sent back.
    ///
    /// One SQLite writer commits ops in `seq` order, so a page ending at position P has
    /// every visible op up to P: no op can appear later below P and be skipped.
    ///
    /// With `check` (from the cursor), a position whose op is not the one the cursor saw
    /// means the log is not the history the puller followed: the page restarts at 0, and
    /// the puller gets everything in scope again (it ignores what it holds).
    public func pull(
        for principal: Principal, requester: ReplicaID, after position: Int64, check: UInt64? = nil, limit: Int
    ) throws(StoreError) -> PullResult {
        try read { db in
            var cursor = position
            var restarted = false
            if let check, try LogPosition.check(at: position, db) != check {
                cursor = 0
                restarted = true
            }
            var rows = try Scope.walk(principal, requester: requester, after: cursor, limit: limit, db)
            let more = rows.count > limit
            if more { rows.removeLast() }
            let end: Int64 =
                more
                ? (rows.last.map { $0[0] } ?? cursor)
                : max(cursor, try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM ops") ?? 0)
            var ops: [Op] = []
            let entered = try Scope.entered(principal, from: cursor, to: end, db) + Scope.enteredEntities(principal, from: cursor, to: end, db)
            let relayed = Scope.notRelayed(principal)
            for ticket in entered {
                let history = try Row.fetchAll(
                    try db.cachedStatement(sql: "SELECT \(OpRows.columns) FROM ops WHERE subject = ? AND seq <= ? AND replica != ?\(relayed.sql) ORDER BY seq"),
                    arguments: [ticket, cursor, requester.rawValue] + relayed.arguments)
                ops += try history.map(OpRows.decode)
            }
            ops += try rows.map(OpRows.decode)
            return PullResult(
                ops: ops, next: end, nextCheck: try LogPosition.check(at: end, db) ?? 0, more: more, restarted: restarted,
                left: try Scope.left(principal, from: cursor, to: end, restarted: restarted, db))
        }
    }
}
