import FieldModel
import GRDB

/// What a principal may see and change: the one place scope is decided, from the
/// node's state (the `ticket_scope` table the store keeps as tickets change).
///
/// An engineer sees the tickets they are or ever were assigned to, and the articles
/// `EntityScope` keeps for them (those that fit their tickets, and those for everyone);
/// every other role sees everything (depots will see their engineers once the relay arrives).
enum Scope {
    static func allows(_ principal: Principal, ticket: EntityID, _ db: Database) throws -> Bool {
        if principal.seesEverything { return true }
        return try Bool.fetchOne(
            try db.cachedStatement(sql: "SELECT 1 FROM ticket_scope WHERE engineer = ? AND ticket = ?"),
            arguments: [principal.name, ticket.rawValue]) ?? false
    }

    /// Whether an entity beyond tickets (an article) is in `principal`'s scope now.
    static func allows(_ principal: Principal, entity: String, _ db: Database) throws -> Bool {
        if principal.seesEverything { return true }
        return try Bool.fetchOne(
            try db.cachedStatement(
                sql: "SELECT 1 FROM entity_scope WHERE principal IN (?, '\(EntityScope.everyone)') AND entity = ? AND left_seq IS NULL"),
            arguments: [principal.name, entity]) ?? false
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
                WHERE seq > ? AND replica != ? AND (
                    subject IN (SELECT ticket FROM ticket_scope WHERE engineer = ?)
                    OR subject IN (SELECT entity FROM entity_scope WHERE principal IN (?, '\(EntityScope.everyone)') AND left_seq IS NULL))
                ORDER BY seq LIMIT ?
                """),
            arguments: [cursor, requester.rawValue, principal.name, principal.name, limit + 1])
    }

    /// Entities beyond tickets (articles) that entered `principal`'s scope in (from, to] and
    /// are in it still: their history before `from` must be sent whole.
    static func enteredEntities(_ principal: Principal, from: Int64, to: Int64, _ db: Database) throws -> [String] {
        guard !principal.seesEverything else { return [] }
        return try String.fetchAll(
            try db.cachedStatement(sql: """
                SELECT entity FROM entity_scope
                WHERE principal IN (?, '\(EntityScope.everyone)') AND since_seq > ? AND since_seq <= ? AND left_seq IS NULL
                GROUP BY entity ORDER BY MIN(since_seq)
                """),
            arguments: [principal.name, from, to])
    }

    /// Entities that left `principal`'s scope in (from, to] and are not in it now (under
    /// their own name or everyone's): the puller purges them. A puller from the start
    /// holds nothing to purge, unless it held another history (`restarted`: the node was
    /// restored, and what left since the device's copy may be anywhere in it).
    static func left(_ principal: Principal, from: Int64, to: Int64, restarted: Bool = false, _ db: Database) throws -> [EntityID] {
        guard !principal.seesEverything, from > 0 || restarted else { return [] }
        return try String.fetchAll(
            try db.cachedStatement(sql: """
                SELECT DISTINCT l.entity FROM entity_scope l
                WHERE l.principal IN (?, '\(EntityScope.everyone)') AND l.left_seq > ? AND l.left_seq <= ?
                  AND NOT EXISTS (SELECT 1 FROM entity_scope n
                                  WHERE n.entity = l.entity AND n.principal IN (?, '\(EntityScope.everyone)') AND n.left_seq IS NULL)
                ORDER BY l.entity
                """),
            arguments: [principal.name, from, to, principal.name]
        ).compactMap(EntityID.init)
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
