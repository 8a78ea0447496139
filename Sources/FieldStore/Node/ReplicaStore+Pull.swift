import FieldModel
import GRDB

/// A page of ops for a puller.
public struct PullResult: Sendable, Hashable {
    public var ops: [Op]
    /// Log position to continue after.
    public var next: Int64
    public var more: Bool
}

extension ReplicaStore {
    /// The ops `principal` sees that were stored after log position `cursor`, at most
    /// `limit` of them in log order, plus the whole history of every ticket that entered
    /// their scope within the page (so a ticket assigned while they were offline arrives
    /// whole). Ops made by `requester` itself are not sent back.
    ///
    /// One SQLite writer commits ops in `seq` order, so a page ending at position P has
    /// every visible op up to P: no op can appear later below P and be skipped.
    public func pull(for principal: Principal, requester: ReplicaID, after cursor: Int64, limit: Int) throws(StoreError) -> PullResult {
        try read { db in
            var rows = try Scope.walk(principal, requester: requester, after: cursor, limit: limit, db)
            let more = rows.count > limit
            if more { rows.removeLast() }
            let end: Int64 =
                more
                ? (rows.last.map { $0[0] } ?? cursor)
                : max(cursor, try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM ops") ?? 0)
            var ops: [Op] = []
            for ticket in try Scope.entered(principal, from: cursor, to: end, db) {
                let history = try Row.fetchAll(
                    try db.cachedStatement(sql: "SELECT \(OpRows.columns) FROM ops WHERE subject = ? AND seq <= ? AND replica != ? ORDER BY seq"),
                    arguments: [ticket, cursor, requester.rawValue])
                ops += try history.map(OpRows.decode)
            }
            ops += try rows.map(OpRows.decode)
            return PullResult(ops: ops, next: end, more: more)
        }
    }
}
