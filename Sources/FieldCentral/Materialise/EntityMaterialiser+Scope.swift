import FieldModel
import FieldStore
import PostgresNIO

/// Which entities beyond tickets each principal sees, kept as the central's state changes,
/// as SQLite's `EntityScope` keeps them: an entity is in an engineer's scope while its
/// ``EntityAudience`` admits one of the tickets in their scope (the model's rule), and in
/// `*`'s (every device's) while it is for everyone. Positions are the (xid, seq) of the op
/// that changed scope (an assignment, a ticket's edit, an entity's new state), in this
/// transaction. SQL only finds candidates; the audience decides.
extension EntityMaterialiser {
    /// The principal every device's scope includes.
    static let everyone = "*"

    /// Audiences and engineers' ticket facts, read once per change.
    struct Decided {
        var audiences: [String: EntityAudience] = [:]
        var facts: [String: [TicketFacts]] = [:]
    }

    /// After tickets' facts changed or engineers were newly assigned: each of their
    /// engineers' entities are decided again (those that fit now, and those held). Who is
    /// assigned, which entities fit and which each engineer holds are read for every
    /// change at once: this runs under the scope lock, which every push that changes a
    /// fact waits for, so its round trips are every push's.
    func ticketsChanged(_ changes: [(id: EntityID, facts: TicketFacts, seq: Int64)]) async throws {
        guard !changes.isEmpty else { return }
        var engineers: [String: [String]] = [:]
        for try await (ticket, engineer) in try await query(
            "SELECT ticket, engineer FROM ticket_scope WHERE ticket = ANY(\(changes.map(\.id.rawValue))) ORDER BY ticket, engineer"
        ).decode((String, String).self) {
            engineers[ticket, default: []].append(engineer)
        }
        guard !engineers.isEmpty else { return }
        var decided = Decided()
        let fitting = try await entities(fitting: changes.filter { engineers[$0.id.rawValue] != nil }, &decided)
        var held: [String: [String]] = [:]
        for try await (principal, entity) in try await query(
            "SELECT principal, entity FROM entity_scope WHERE principal = ANY(\(Array(Set(engineers.values.joined())))) AND left_xid IS NULL"
        ).decode((String, String).self) {
            // Kinds scoped by name (a van's stock, its transfers) are never a ticket's to decide.
            if let id = EntityID(entity), !NodeEntityKinds.scopedByName(id) { held[principal, default: []].append(entity) }
        }
        for change in changes {
            for engineer in engineers[change.id.rawValue] ?? [] {
                for entity in Set(fitting[change.id] ?? []).union(held[engineer] ?? []).sorted() {
                    try await reconcile(engineer, entity, at: change.seq, &decided)
                }
            }
        }
    }

    /// After entities changed: everyone's scope of each is decided again.
    func entitiesChanged(_ records: [EntityRecord]) async throws {
        for record in records {
            var decided = Decided()
            decided.audiences[record.id.rawValue] = record.audience
            var principals: Set<String> = [Self.everyone]
            principals.formUnion(
                try await query("SELECT principal FROM entity_scope WHERE entity = \(record.id.rawValue) AND left_xid IS NULL")
                    .decode(String.self).all())
            principals.formUnion(try await engineers(admittedBy: record.audience))
            principals.formUnion(record.audience.principals)
            for principal in principals.sorted() {
                try await reconcile(principal, record.id.rawValue, at: record.seq, &decided)
            }
        }
    }

    /// Puts `entity` in or out of `principal`'s scope, as its audience admits them now,
    /// from this transaction's position `seq`.
    func reconcile(_ principal: String, _ entity: String, at seq: Int64, _ decided: inout Decided) async throws {
        if decided.audiences[entity] == nil { decided.audiences[entity] = try await audience(of: entity) }
        let audience = decided.audiences[entity] ?? .nobody
        let fits: Bool
        if principal == Self.everyone {
            fits = audience.everyone
        } else if audience.principals.contains(principal) {
            fits = true
        } else {
            if decided.facts[principal] == nil { decided.facts[principal] = try await facts(of: principal) }
            fits = audience.admits(decided.facts[principal] ?? [])
        }
        let live = try await query("SELECT left_xid IS NULL FROM entity_scope WHERE principal = \(principal) AND entity = \(entity)")
            .decode(Bool.self).all().first
        switch (fits, live) {
        case (true, true?), (false, nil), (false, false?): return
        case (true, _):
            try await query(
                """
                INSERT INTO entity_scope (principal, entity, since_xid, since_seq) VALUES (\(principal), \(entity), pg_current_xact_id(), \(seq))
                ON CONFLICT (principal, entity) DO UPDATE SET since_xid = excluded.since_xid, since_seq = excluded.since_seq,
                    left_xid = NULL, left_seq = NULL
                """)
        case (false, true?):
            try await query(
                "UPDATE entity_scope SET left_xid = pg_current_xact_id(), left_seq = \(seq) WHERE principal = \(principal) AND entity = \(entity)")
        }
    }

    /// An entity's audience as stored; nobody's when it has no row.
    func audience(of entity: String) async throws -> EntityAudience {
        try await query("SELECT audience FROM entities WHERE id = \(entity)").decode(String.self).all().first.map(Self.audience) ?? .nobody
    }

    /// The facts of every ticket in `engineer`'s scope.
    func facts(of engineer: String) async throws -> [TicketFacts] {
        try await query(
            """
            SELECT f.device_model, f.fault_code, f.fault FROM ticket_scope s JOIN ticket_facts f ON f.ticket = s.ticket
            WHERE s.engineer = \(engineer)
            """
        ).decode((String, String, String).self).all().map { TicketFacts(deviceModel: $0.0, faultCode: $0.1, fault: $0.2) }
    }

    /// The entities each changed ticket's facts (folded) fit: candidates by their terms,
    /// for all tickets in one statement, then each one's audience decides (read into
    /// `decided`).
    func entities(
        fitting changes: [(id: EntityID, facts: TicketFacts, seq: Int64)], _ decided: inout Decided
    ) async throws -> [EntityID: [String]] {
        let blank = TicketFacts(deviceModel: "", faultCode: "", fault: "")
        let changes = changes.filter { $0.facts != blank }
        guard !changes.isEmpty else { return [:] }
        var candidates: [(ticket: String, entity: String)] = []
        for try await row in try await query(
            """
            SELECT DISTINCT f.t, e.entity FROM unnest(\(changes.map(\.id.rawValue))::text[], \(changes.map(\.facts.deviceModel))::text[],
                \(changes.map(\.facts.faultCode))::text[], \(changes.map(\.facts.fault))::text[]) AS f(t, m, c, k)
            JOIN entity_terms e ON (e.kind = 'm' AND e.term = f.m) OR (e.kind = 'c' AND e.term = f.c) OR (e.kind = 'k' AND strpos(f.k, e.term) > 0)
            ORDER BY f.t, e.entity
            """
        ).decode((String, String).self) {
            candidates.append(row)
        }
        let unread = Array(Set(candidates.map(\.entity)).filter { decided.audiences[$0] == nil })
        if !unread.isEmpty {
            for entity in unread { decided.audiences[entity] = .nobody }
            for try await (id, audience) in try await query("SELECT id, audience FROM entities WHERE id = ANY(\(unread))").decode((String, String).self) {
                decided.audiences[id] = Self.audience(audience)
            }
        }
        let factsOf = Dictionary(changes.map { ($0.id.rawValue, $0.facts) }, uniquingKeysWith: { a, _ in a })
        var out: [EntityID: [String]] = [:]
        for (ticket, entity) in candidates {
            guard let facts = factsOf[ticket], let id = EntityID(ticket), (decided.audiences[entity] ?? .nobody).admits([facts]) else { continue }
            out[id, default: []].append(entity)
        }
        return out
    }

    /// Engineers with a ticket that `audience` admits: candidate tickets by its terms, then
    /// the audience decides.
    func engineers(admittedBy audience: EntityAudience) async throws -> Set<String> {
        let terms = audience.terms
        guard !terms.isEmpty else { return [] }
        func of(_ kind: EntityTerm.Kind) -> [String] { terms.filter { $0.kind == kind }.map(\.term) }
        let rows = try await query(
            """
            SELECT s.engineer, f.device_model, f.fault_code, f.fault FROM ticket_facts f JOIN ticket_scope s ON s.ticket = f.ticket
            WHERE f.device_model = ANY(\(of(.deviceModel))) OR f.fault_code = ANY(\(of(.faultCode)))
               OR EXISTS (SELECT 1 FROM unnest(\(of(.keyword))::text[]) AS k(term) WHERE strpos(f.fault, k.term) > 0)
            """
        ).decode((String, String, String, String).self).all()
        var out: Set<String> = []
        for row in rows where audience.admits([TicketFacts(deviceModel: row.1, faultCode: row.2, fault: row.3)]) { out.insert(row.0) }
        return out
    }
}
