import FieldModel
import GRDB

/// Which entities beyond tickets each principal sees, kept as the node's state changes:
/// the `entity_scope` rows `Scope` reads. An article is in an engineer's scope while it
/// fits one of the tickets in their scope (``ArticlePublished/fits(_:)``, the model's
/// rule) and is not retired; one marked for everyone is in the scope of `everyone`.
///
/// Each row says from which op-log position the entity is in scope (`since_seq`) and, once
/// it left, at which (`left_seq`): a pull sends the whole history of what entered within
/// its page and names what left, so a device holds exactly its scope, by deltas.
/// Positions are those of the ops that changed scope: an assignment, a ticket's edit, an
/// article's new version or retirement.
enum EntityScope {
    /// The principal every device's scope includes.
    static let everyone = "*"

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE entity_scope (
                    principal TEXT NOT NULL,
                    entity TEXT NOT NULL,
                    since_seq INTEGER NOT NULL,
                    left_seq INTEGER,
                    PRIMARY KEY (principal, entity)
                ) WITHOUT ROWID;
                CREATE INDEX entity_scope_by_since ON entity_scope (principal, since_seq);
                CREATE INDEX entity_scope_by_left ON entity_scope (principal, left_seq) WHERE left_seq IS NOT NULL;
                CREATE INDEX entity_scope_by_entity ON entity_scope (entity);
                -- What of each ticket decides which articles fit it (folded: lowercased, trimmed).
                CREATE TABLE ticket_facts (
                    ticket TEXT PRIMARY KEY NOT NULL,
                    device_model TEXT NOT NULL,
                    fault_code TEXT NOT NULL,
                    fault TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX ticket_facts_by_model ON ticket_facts (device_model);
                CREATE INDEX ticket_facts_by_code ON ticket_facts (fault_code);
                """)
        // Tickets stored before: their facts, from their ops.
        let insert = try db.makeStatement(sql: "INSERT INTO ticket_facts (ticket, device_model, fault_code, fault) VALUES (?, ?, ?, ?)")
        for raw in try String.fetchAll(db, sql: "SELECT id FROM tickets") {
            guard let id = EntityID(raw) else { continue }
            var t = Ticket(id: id)
            for op in try OpRows.ops(of: id, db).ops { t.apply(op) }
            let f = folded(TicketFacts(t))
            try insert.execute(arguments: [raw, f.deviceModel, f.faultCode, f.fault])
        }
    }

    /// Moves the facts into the tickets' own rows (`fact_model`, `fact_code`, `fact_fault`):
    /// a push rewrites each changed ticket's row anyway, and a second table was a second
    /// page written to the WAL and synced for each.
    static func moveFactsIntoTickets(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE tickets ADD COLUMN fact_model TEXT NOT NULL DEFAULT '';
                ALTER TABLE tickets ADD COLUMN fact_code TEXT NOT NULL DEFAULT '';
                ALTER TABLE tickets ADD COLUMN fact_fault TEXT NOT NULL DEFAULT '';
                UPDATE tickets SET
                    fact_model = coalesce((SELECT device_model FROM ticket_facts f WHERE f.ticket = tickets.id), ''),
                    fact_code = coalesce((SELECT fault_code FROM ticket_facts f WHERE f.ticket = tickets.id), ''),
                    fact_fault = coalesce((SELECT fault FROM ticket_facts f WHERE f.ticket = tickets.id), '');
                DROP TABLE ticket_facts;
                CREATE INDEX tickets_by_fact_model ON tickets (fact_model);
                CREATE INDEX tickets_by_fact_code ON tickets (fact_code);
                """)
    }

    // MARK: Keeping it

    /// After tickets changed (each with the position it is derived up to, and whether an
    /// engineer was newly recorded on it, ``TicketRows/save(_:seq:_:)``): their facts are
    /// saved, and where they changed, or an engineer was newly assigned, each engineer's
    /// articles are decided again.
    static func ticketsChanged(_ changes: [(ticket: Ticket, seq: Int64, newlyAssigned: Bool)], _ db: Database) throws {
        for (ticket, seq, newlyAssigned) in changes {
            let facts = folded(TicketFacts(ticket))
            // The row TicketRows.save wrote (facts empty when new).
            guard let before = try storedFacts(of: ticket.id, db) else { continue }
            // Most ops (notes, steps, parts) change no fact and assign nobody: nothing to decide.
            guard before != facts || newlyAssigned else { continue }
            if before != facts { try saveFacts(facts, of: ticket.id, before: before, db) }
            let engineers = try DirectExecution.rows(
                db.cachedStatement(sql: "SELECT engineer FROM ticket_scope WHERE ticket = ?"), .text(ticket.id.rawValue)
            ).map { $0[0].string }
            guard !engineers.isEmpty else { continue }
            let fitting = try articles(fitting: facts, db)
            for engineer in engineers {
                // What fits now, and what was in scope through this ticket's old facts.
                // Kinds scoped by name (a van's stock) are namedChanged's, never a ticket's.
                let held = try String.fetchAll(
                    db.cachedStatement(sql: "SELECT entity FROM entity_scope WHERE principal = ? AND left_seq IS NULL"), arguments: [engineer]
                ).filter { EntityID($0).map { !NodeEntityKinds.scopedByName($0) } ?? false }
                var decided = Cache()
                for article in Set(fitting).union(held) {
                    try reconcile(engineer, article, at: seq, &decided, db)
                }
            }
        }
    }

    /// After articles changed (each with the position of its last op): everyone's scope
    /// of each is decided again.
    static func articlesChanged(_ changes: [(article: EntityID, seq: Int64)], _ db: Database) throws {
        for (article, seq) in changes {
            var decided = Cache()
            var principals: Set<String> = [everyone]
            principals.formUnion(
                try String.fetchAll(
                    db.cachedStatement(sql: "SELECT principal FROM entity_scope WHERE entity = ? AND left_seq IS NULL"),
                    arguments: [article.rawValue]))
            if let version = try current(article, db) {
                principals.formUnion(try engineers(fitting: version, db))
            }
            for principal in principals { try reconcile(principal, article.rawValue, at: seq, &decided, db) }
        }
    }

    /// After entities of kinds scoped by name changed (a van's stock, a transfer; each with
    /// the position of its last op): the principals their audience names see them, from
    /// that position, and those it names no more stop seeing them.
    static func namedChanged(_ changes: [(entity: EntityID, seq: Int64)], _ db: Database) throws {
        for (entity, seq) in changes where NodeEntityKinds.keeps(entity.kind) {
            let audience: EntityAudience
            if let known = NodeEntityKinds.audience(of: entity) {
                audience = known
            } else {
                guard let record = NodeEntityKinds.record(of: entity, ops: try OpRows.ops(of: entity, db).ops, seq: seq) else { continue }
                audience = record.audience
            }
            let live = try String.fetchAll(
                db.cachedStatement(sql: "SELECT principal FROM entity_scope WHERE entity = ? AND left_seq IS NULL"), arguments: [entity.rawValue])
            var wanted = Set(audience.principals)
            if audience.everyone { wanted.insert(everyone) }
            for principal in wanted.subtracting(live).sorted() {
                try db.cachedStatement(sql: "INSERT OR REPLACE INTO entity_scope (principal, entity, since_seq, left_seq) VALUES (?, ?, ?, NULL)")
                    .execute(arguments: [principal, entity.rawValue, seq])
            }
            for principal in Set(live).subtracting(wanted).sorted() {
                try db.cachedStatement(sql: "UPDATE entity_scope SET left_seq = ? WHERE principal = ? AND entity = ?")
                    .execute(arguments: [seq, principal, entity.rawValue])
            }
        }
    }

    // MARK: Deciding

    /// Articles' current versions and engineers' tickets' facts, read once per change.
    struct Cache {
        var versions: [String: ArticlePublished?] = [:]
        var tickets: [String: [TicketFacts]] = [:]
    }

    /// Puts `article` in or out of `principal`'s scope, as it fits now, from `seq`.
    static func reconcile(_ principal: String, _ article: String, at seq: Int64, _ cache: inout Cache, _ db: Database) throws {
        if cache.versions[article] == nil, let id = EntityID(article) { cache.versions[article] = .some(try current(id, db)) }
        let version = cache.versions[article] ?? nil
        let fits: Bool
        if let version {
            if principal == everyone {
                fits = version.everyone
            } else {
                if cache.tickets[principal] == nil { cache.tickets[principal] = try tickets(of: principal, db) }
                fits = cache.tickets[principal]!.contains { version.fits($0) }
            }
        } else {
            fits = false
        }
        let live = try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT left_seq IS NULL FROM entity_scope WHERE principal = ? AND entity = ?"),
            arguments: [principal, article])
        switch (fits, live) {
        case (true, true?), (false, nil), (false, false?): return
        case (true, _):
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO entity_scope (principal, entity, since_seq, left_seq) VALUES (?, ?, ?, NULL)")
                .execute(arguments: [principal, article, seq])
        case (false, true?):
            try db.cachedStatement(sql: "UPDATE entity_scope SET left_seq = ? WHERE principal = ? AND entity = ?")
                .execute(arguments: [seq, principal, article])
        }
    }

    /// The article's current version; nil if retired or unknown.
    static func current(_ id: EntityID, _ db: Database) throws -> ArticlePublished? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(ArticleRows.columns) FROM articles WHERE id = ? AND retired = 0"), arguments: [id.rawValue])
        else { return nil }
        return ArticleRows.decode(row)?.version
    }

    /// The facts of every ticket in `engineer`'s scope.
    static func tickets(of engineer: String, _ db: Database) throws -> [TicketFacts] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT t.fact_model, t.fact_code, t.fact_fault FROM ticket_scope s JOIN tickets t ON t.id = s.ticket WHERE s.engineer = ?"),
            arguments: [engineer]
        ).map { TicketFacts(deviceModel: $0[0], faultCode: $0[1], fault: $0[2]) }
    }

    /// Articles (current, not retired) that fit `facts` (folded): candidates from the
    /// articles' terms — device model and fault code by index, keywords by a scan of the
    /// keywords alone — then the model's rule decides.
    static func articles(fitting facts: TicketFacts, _ db: Database) throws -> [String] {
        guard facts != TicketFacts(deviceModel: "", faultCode: "", fault: "") else { return [] }
        // Three ranges of the terms' key, not one OR (which SQLite answers through a
        // temporary b-tree, as it does DISTINCT, built at every call: most of this
        // function's time on a node's ingest). An article fitting twice is dropped below.
        let candidates = try DirectExecution.rows(
            db.cachedStatement(
                sql: """
                    SELECT article FROM article_terms WHERE kind = 'm' AND term = ?1
                    UNION ALL SELECT article FROM article_terms WHERE kind = 'c' AND term = ?2
                    UNION ALL SELECT article FROM article_terms WHERE kind = 'k' AND instr(?3, term) > 0
                    """),
            .text(facts.deviceModel), .text(facts.faultCode), .text(facts.fault))
        var out: [String] = []
        var seen: Set<String> = []
        for raw in candidates.map({ $0[0].string }) where seen.insert(raw).inserted {
            guard let id = EntityID(raw), let version = try current(id, db), version.fits(facts) else { continue }
            out.append(raw)
        }
        return out
    }

    /// Engineers with a ticket that `version` fits: candidate tickets by device model and
    /// fault code through the tickets' fact indexes, by keyword through a scan of the fault
    /// descriptions (one per keyword, in SQLite); the model's rule decides.
    static func engineers(fitting version: ArticlePublished, _ db: Database) throws -> Set<String> {
        var tickets: Set<String> = []
        func add(_ sql: String, _ terms: [String]) throws {
            for term in Set(terms.map(ArticlePublished.folded)) where !term.isEmpty {
                tickets.formUnion(try String.fetchAll(db.cachedStatement(sql: sql), arguments: [term]))
            }
        }
        try add("SELECT id FROM tickets WHERE fact_model = ?", version.deviceModels)
        try add("SELECT id FROM tickets WHERE fact_code = ?", version.faultCodes)
        try add("SELECT id FROM tickets WHERE instr(fact_fault, ?) > 0", version.keywords)
        var out: Set<String> = []
        for ticket in tickets {
            guard let id = EntityID(ticket), let facts = try storedFacts(of: id, db), version.fits(facts) else { continue }
            out.formUnion(
                try String.fetchAll(db.cachedStatement(sql: "SELECT engineer FROM ticket_scope WHERE ticket = ?"), arguments: [ticket]))
        }
        return out
    }

    // MARK: Ticket facts

    static func folded(_ f: TicketFacts) -> TicketFacts {
        TicketFacts(
            deviceModel: ArticlePublished.folded(f.deviceModel), faultCode: ArticlePublished.folded(f.faultCode),
            fault: ArticlePublished.folded(f.fault))
    }

    static func storedFacts(of ticket: EntityID, _ db: Database) throws -> TicketFacts? {
        try DirectExecution.rows(
            db.cachedStatement(sql: "SELECT fact_model, fact_code, fact_fault FROM tickets WHERE id = ?"), .text(ticket.rawValue)
        ).first.map { TicketFacts(deviceModel: $0[0].string, faultCode: $0[1].string, fault: $0[2].string) }
    }

    /// Saves a ticket's facts (folded here) in its row, which must exist, over the facts
    /// stored `before`: only the columns that changed are set, since SQLite rewrites the
    /// entry of every index whose column an UPDATE sets, equal or not (a fault code found
    /// on site leaves the by-model index as it was: a page not written at every push).
    static func saveFacts(_ facts: TicketFacts, of ticket: EntityID, before: TicketFacts, _ db: Database) throws {
        let f = folded(facts)
        let columns = [
            ("fact_model", before.deviceModel, f.deviceModel), ("fact_code", before.faultCode, f.faultCode), ("fact_fault", before.fault, f.fault),
        ].filter { $0.1 != $0.2 }
        guard !columns.isEmpty else { return }
        let set = columns.map { "\($0.0) = ?" }.joined(separator: ", ")
        try DirectExecution.execute(
            db.cachedStatement(sql: "UPDATE tickets SET \(set) WHERE id = ?"), (columns.map(\.2) + [ticket.rawValue]).map(DirectValue.text))
    }
}
