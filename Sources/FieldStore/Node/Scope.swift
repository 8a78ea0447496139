import FieldModel
import GRDB

/// What a principal may see and change: the one place scope is decided, from the
/// node's state (the `ticket_scope` table the store keeps as tickets change).
///
/// An engineer sees the tickets they are or ever were assigned to; every other role
/// sees everything (depots will see their engineers once the relay arrives).
enum Scope {
    static func allows(_ principal: Principal, ticket: EntityID, _ db: Database) throws -> Bool {
        if principal.seesEverything { return true }
        return try Bool.fetchOne(
            try db.cachedStatement(sql: "SELECT 1 FROM ticket_scope WHERE engineer = ? AND ticket = ?"),
            arguments: [principal.name, ticket.rawValue]) ?? false
    }

    /// Ops stored after `cursor` that `principal` sees, not made by `requester`, in
    /// log order; at most `limit` plus one to tell whether more remain.
    static func walk(_ principal: Principal, requester: ReplicaID, after cursor: Int64, limit: Int, _ db: Database) throws -> [Row] {
        if principal.seesEverything {
            return try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT \(OpRows.columns) FROM ops WHERE seq > ? AND replica != ? ORDER BY seq LIMIT ?"),
                arguments: [cursor, requester.rawValue, limit + 1])
        }
        return try Row.fetchAll(
            try db.cachedStatement(sql: """
                SELECT \(OpRows.columns) FROM ops
                WHERE seq > ? AND replica != ? AND subject IN (SELECT ticket FROM ticket_scope WHERE engineer = ?)
                ORDER BY seq LIMIT ?
                """),
            arguments: [cursor, requester.rawValue, principal.name, limit + 1])
    }

    /// Tickets that entered `principal`'s scope in (from, to]: their history before
    /// `from` must be sent whole.
    static func entered(_ principal: Principal, from: Int64, to: Int64, _ db: Database) throws -> [String] {
        guard !principal.seesEverything else { return [] }
        return try String.fetchAll(
            try db.cachedStatement(sql: "SELECT ticket FROM ticket_scope WHERE engineer = ? AND since_seq > ? AND since_seq <= ? ORDER BY since_seq"),
            arguments: [principal.name, from, to])
    }
}
