import FieldModel
import GRDB

/// What a principal may see and change: the one place scope is decided, from the
/// node's state (the `ticket_scope` table the store keeps as tickets change).
///
/// An engineer sees the tickets they are or ever were assigned to, and the entities
/// `EntityScope` keeps for them (the articles that fit their tickets, their van's stock,
/// and those for everyone). A depot sees what its current members see, and what names it
/// (its site's stock): it is a replica of central for its engineers (M8). Every other
/// role sees everything.
enum Scope {
    /// The names whose scope `principal` sees, as SQL to follow `IN` (the names `SELECT`ed),
    /// with its arguments: an engineer's own; a depot's, the depots it relays now (at any
    /// depth) and their current engineers (``DepotTree``).
    static func names(_ principal: Principal) -> (sql: String, arguments: StatementArguments) {
        guard principal.role == .depot else { return ("(?)", [principal.name]) }
        return ("(\(depotNames))", [principal.name])
    }

    /// Those names and everyone's (entities for every device).
    static func namesAndEveryone(_ principal: Principal) -> (sql: String, arguments: StatementArguments) {
        guard principal.role == .depot else { return ("(?, '\(EntityScope.everyone)')", [principal.name]) }
        return ("(\(depotNames) UNION ALL SELECT '\(EntityScope.everyone)')", [principal.name])
    }

    /// The names a depot (the one argument) sees: itself and the depots it relays now, with
    /// their current engineers, as ``DepotTree`` decides them: at most `maxDepth` depots on a
    /// path, which also ends a loop an upstream might send.
    static let depotNames = """
        WITH RECURSIVE tree(d, n) AS (SELECT ?, 1 UNION SELECT r.child, tree.n + 1 FROM depot_relays r JOIN tree ON r.parent = tree.d \
        WHERE r.removed_wall IS NULL AND tree.n < \(DepotTree.maxDepth)) \
        SELECT d FROM tree UNION ALL SELECT engineer FROM depot_members WHERE depot IN (SELECT d FROM tree) AND removed_wall IS NULL
        """

    /// For a depot, SQL to follow a `WHERE` on `ops`: leave out what it relayed here itself
    /// (``ReplicaStore`` records it at ingest), which it holds; empty for anyone else.
    static func notRelayed(_ principal: Principal) -> (sql: String, arguments: StatementArguments) {
        guard principal.role == .depot else { return ("", []) }
        return (
            " AND NOT EXISTS (SELECT 1 FROM relayed_through t WHERE t.depot = ? AND t.replica = ops.replica AND t.counter >= ops.counter)",
            [principal.name]
        )
    }

    static func allows(_ principal: Principal, ticket: EntityID, _ db: Database) throws -> Bool {
        if principal.seesEverything { return true }
        let names = names(principal)
        return try Bool.fetchOne(
            try db.cachedStatement(sql: "SELECT 1 FROM ticket_scope WHERE engineer IN \(names.sql) AND ticket = ?"),
            arguments: names.arguments + [ticket.rawValue]) ?? false
    }

    /// Whether an entity beyond tickets (an article) is in `principal`'s scope now.
    static func allows(_ principal: Principal, entity: String, _ db: Database) throws -> Bool {
        if principal.seesEverything { return true }
        let names = namesAndEveryone(principal)
        return try Bool.fetchOne(
            try db.cachedStatement(sql: "SELECT 1 FROM entity_scope WHERE principal IN \(names.sql) AND entity = ? AND left_seq IS NULL"),
            arguments: names.arguments + [entity]) ?? false
    }

    /// Ops stored after `cursor` that `principal` sees, not made by `requester`, in
    /// log order; at most `limit` plus one to tell whether more remain.
    static func walk(_ principal: Principal, requester: ReplicaID, after cursor: Int64, limit: Int, _ db: Database) throws -> [Row] {
        if principal.seesEverything {
            return try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT \(OpRows.columns) FROM ops WHERE seq > ? AND replica != ? ORDER BY seq LIMIT ?"),
                arguments: [cursor, requester.rawValue, limit + 1])
        }
        let (tickets, entities, relayed) = (names(principal), namesAndEveryone(principal), notRelayed(principal))
        return try Row.fetchAll(
            try db.cachedStatement(sql: """
                SELECT \(OpRows.columns) FROM ops
                WHERE seq > ? AND replica != ? AND (
                    subject IN (SELECT ticket FROM ticket_scope WHERE engineer IN \(tickets.sql))
                    OR subject IN (SELECT entity FROM entity_scope WHERE principal IN \(entities.sql) AND left_seq IS NULL))\(relayed.sql)
                ORDER BY seq LIMIT ?
                """),
            arguments: [cursor, requester.rawValue] + tickets.arguments + entities.arguments + relayed.arguments + [limit + 1])
    }

    /// Entities beyond tickets (articles) that entered `principal`'s scope in (from, to] and
    /// are in it still: their history before `from` must be sent whole.
    static func enteredEntities(_ principal: Principal, from: Int64, to: Int64, _ db: Database) throws -> [String] {
        guard !principal.seesEverything else { return [] }
        let names = namesAndEveryone(principal)
        return try String.fetchAll(
            try db.cachedStatement(sql: """
                SELECT entity FROM entity_scope
                WHERE principal IN \(names.sql) AND since_seq > ? AND since_seq <= ? AND left_seq IS NULL
                GROUP BY entity ORDER BY MIN(since_seq)
                """),
            arguments: names.arguments + [from, to])
    }

    /// Entities that left `principal`'s scope in (from, to] and are not in it now (under
    /// their own name or everyone's): the puller purges them. A puller from the start
    /// holds nothing to purge, unless it held another history (`restarted`: the node was
    /// restored, and what left since the device's copy may be anywhere in it).
    static func left(_ principal: Principal, from: Int64, to: Int64, restarted: Bool = false, _ db: Database) throws -> [EntityID] {
        guard !principal.seesEverything, from > 0 || restarted else { return [] }
        let names = namesAndEveryone(principal)
        return try String.fetchAll(
            try db.cachedStatement(sql: """
                SELECT DISTINCT l.entity FROM entity_scope l
                WHERE l.principal IN \(names.sql) AND l.left_seq > ? AND l.left_seq <= ?
                  AND NOT EXISTS (SELECT 1 FROM entity_scope n
                                  WHERE n.entity = l.entity AND n.principal IN \(names.sql) AND n.left_seq IS NULL)
                ORDER BY l.entity
                """),
            arguments: names.arguments + [from, to] + names.arguments
        ).compactMap(EntityID.init)
    }

    /// Tickets that entered `principal`'s scope in (from, to]: their history before
    /// `from` must be sent whole.
    static func entered(_ principal: Principal, from: Int64, to: Int64, _ db: Database) throws -> [String] {
        guard !principal.seesEverything else { return [] }
        if principal.role == .depot {
            // A ticket entered a depot's scope when it entered its first member's; a member
            // added later brings theirs by the depot pulling again from the start (M8).
            let names = names(principal)
            return try String.fetchAll(
                try db.cachedStatement(sql: """
                    SELECT ticket FROM ticket_scope WHERE engineer IN \(names.sql)
                    GROUP BY ticket HAVING MIN(since_seq) > ? AND MIN(since_seq) <= ? ORDER BY MIN(since_seq)
                    """),
                arguments: names.arguments + [from, to])
        }
        return try String.fetchAll(
            try db.cachedStatement(sql: "SELECT ticket FROM ticket_scope WHERE engineer = ? AND since_seq > ? AND since_seq <= ? ORDER BY since_seq"),
            arguments: [principal.name, from, to])
    }
}
