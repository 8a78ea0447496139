import FieldModel
import FieldStore
import Foundation
import Logging
import PostgresNIO

/// The central's derived rows in PostgreSQL, rewritten by the model in the transaction that
/// stores the ops they derive from: each ticket's list row, the engineers ever assigned to
/// it and its facts; each entity beyond tickets as its kind's ``NodeEntityKind`` describes
/// it (generic: a new kind needs no code here); and who sees which entity
/// (EntityMaterialiser+Scope).
struct EntityMaterialiser {
    let connection: PostgresConnection
    let logger: Logger
    /// The schema version whose tables are written: a migration's re-derivation runs before
    /// later migrations make theirs (tickets' blob references, `ticket_blobs` and
    /// `blob_attachers`, from 5; entities' blobs, `entity_blobs`, from 6).
    var schema = CentralSchema.latest
    var recordsBlobs: Bool { schema >= 5 }
    var recordsEntityBlobs: Bool { schema >= 6 }

    /// An advisory lock key of ours ("FSYNCSCP"): held by every transaction that changes
    /// entity scope, from before it reads what scope is decided from until it commits.
    /// Without it two nodes could each decide from the other's old state (a ticket's new
    /// fault beside an article's old keywords, and the reverse) and neither bring in an
    /// article that fits; SQLite has one writer and needs none.
    static let scopeLockKey: Int64 = 0x4653_594E_4353_4350

    /// Re-derives every subject of `lastSeq` (the last seq this transaction stored on each).
    func materialise(_ lastSeq: [EntityID: Int64]) async throws {
        let subjects = lastSeq.sorted { $0.key.rawValue < $1.key.rawValue }
        let others = subjects.filter { $0.key.kind != .ticket && NodeEntityKinds.keeps($0.key.kind) }
        // Entities beyond tickets are written by central alone, seldom: derived under the
        // lock, so two writers of one article cannot each derive it without the other's op.
        var locked = false
        if !others.isEmpty {
            try await lockScope()
            locked = true
        }
        let tickets = try await tickets(subjects.filter { $0.key.kind == .ticket }.map { ($0.key, $0.value) })
        var records: [EntityRecord] = []
        for (id, seq) in others {
            if let record = try await entity(id, seq) { records.append(record) }
        }
        guard !tickets.isEmpty || !records.isEmpty else { return }
        if !locked { try await lockScope() }
        try await ticketsChanged(tickets)
        try await entitiesChanged(records)
    }

    /// Every subject of the log re-derived (a migration adding derived rows).
    func rederiveEverything() async throws {
        var last: [EntityID: Int64] = [:]
        for try await (subject, seq) in try await query("SELECT subject, max(seq) FROM ops GROUP BY subject").decode((String, Int64).self) {
            if let id = EntityID(subject) { last[id] = seq }
        }
        try await materialise(last)
    }

    /// Every entity beyond tickets re-derived (a migration adding derived rows of entities).
    func rederiveEntities() async throws {
        var last: [EntityID: Int64] = [:]
        for try await (subject, seq) in try await query("SELECT subject, max(seq) FROM ops GROUP BY subject").decode((String, Int64).self) {
            if let id = EntityID(subject), id.kind != .ticket { last[id] = seq }
        }
        try await materialise(last)
    }

    func lockScope() async throws {
        try await query("SELECT pg_advisory_xact_lock(\(Self.scopeLockKey))")
    }

    /// Re-derives tickets, each with the last seq this transaction stored on it: its list
    /// row, every engineer ever assigned to it (in scope from this transaction's position
    /// on) and its facts. Returns those whose facts changed or that got a newly assigned
    /// engineer: what is in scope through them is decided again. Four statements for all of
    /// them (a push touches a handful of tickets; one round trip each would dominate).
    func tickets(_ changed: [(id: EntityID, seq: Int64)]) async throws -> [(id: EntityID, facts: TicketFacts, seq: Int64)] {
        guard !changed.isEmpty else { return [] }
        var derived: [EntityID: Ticket] = [:]
        for try await row in try await query(
            "SELECT \(unescaped: OpRecord.columns) FROM ops WHERE subject = ANY(\(changed.map(\.id.rawValue))) ORDER BY subject, seq"
        ).decode(OpRecord.Row.self) {
            let op = try OpRecord.decode(row)
            derived[op.subject, default: Ticket(id: op.subject)].apply(op)
        }
        var assigned: (engineers: [String], tickets: [String], seqs: [Int64]) = ([], [], [])
        var attached: (digests: [String], tickets: [String], sizes: [Int64], replicas: [String]) = ([], [], [], [])
        var rows: [TicketSummary] = []
        var facts: [(id: EntityID, facts: TicketFacts, seq: Int64)] = []
        for (id, seq) in changed {
            guard let ticket = derived[id] else { continue }
            for engineer in Set(ticket.register(Field.assignee).writes.values.map(\.value)).sorted() where !engineer.isEmpty {
                assigned.engineers.append(engineer)
                assigned.tickets.append(id.rawValue)
                assigned.seqs.append(seq)
            }
            for entry in ticket.attachments {
                attached.digests.append(entry.attachment.sha256.hex)
                attached.tickets.append(id.rawValue)
                attached.sizes.append(Int64(clamping: entry.attachment.byteSize))
                attached.replicas.append(entry.id.replica.rawValue)
            }
            rows.append(TicketSummary(ticket))
            facts.append((id, TicketFacts(ticket).folded, seq))
        }
        let newlyAssigned = Set(
            try await query(
                """
                INSERT INTO ticket_scope (engineer, ticket, since_xid, since_seq)
                SELECT e, t, pg_current_xact_id(), s FROM unnest(\(assigned.engineers)::text[], \(assigned.tickets)::text[], \(assigned.seqs)::int8[]) AS u(e, t, s)
                ON CONFLICT (engineer, ticket) DO NOTHING RETURNING ticket
                """
            ).decode(String.self).all())
        try await query(
            """
            INSERT INTO tickets (id, status, assignee, customer, site, device_model, priority, conflicts, updated_wall, digest)
            SELECT * FROM unnest(\(rows.map(\.id))::text[], \(rows.map(\.status))::text[], \(rows.map(\.assignee))::text[],
                \(rows.map(\.customer))::text[], \(rows.map(\.site))::text[], \(rows.map(\.deviceModel))::text[], \(rows.map(\.priority))::text[],
                \(rows.map { Int64($0.conflicts) })::int8[], \(rows.map { Int64(bitPattern: $0.updatedAt) })::int8[], \(rows.map(\.digest))::text[])
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, assignee = excluded.assignee, customer = excluded.customer,
                site = excluded.site, device_model = excluded.device_model, priority = excluded.priority, conflicts = excluded.conflicts,
                updated_wall = excluded.updated_wall, digest = excluded.digest
            """)
        // Which blobs each ticket refers to, and which replicas' ops attached them
        // (PostgresNodeBlobStore's access checks read these), as SQLite's TicketRows records
        // them; a ticket's first declared size stays.
        if recordsBlobs && !attached.digests.isEmpty {
            try await query(
                """
                INSERT INTO ticket_blobs (sha256, ticket, size)
                SELECT d, t, s FROM unnest(\(attached.digests)::text[], \(attached.tickets)::text[], \(attached.sizes)::int8[]) AS a(d, t, s)
                ON CONFLICT (sha256, ticket) DO NOTHING
                """)
            try await query(
                """
                INSERT INTO blob_attachers (sha256, ticket, replica)
                SELECT d, t, r FROM unnest(\(attached.digests)::text[], \(attached.tickets)::text[], \(attached.replicas)::text[]) AS a(d, t, r)
                ON CONFLICT (sha256, ticket, replica) DO NOTHING
                """)
        }
        // Most ops (notes, steps, parts) change no fact: those rows are then left alone.
        let factsChanged = Set(
            try await query(
                """
                INSERT INTO ticket_facts (ticket, device_model, fault_code, fault)
                SELECT * FROM unnest(\(facts.map(\.id.rawValue))::text[], \(facts.map(\.facts.deviceModel))::text[],
                    \(facts.map(\.facts.faultCode))::text[], \(facts.map(\.facts.fault))::text[])
                ON CONFLICT (ticket) DO UPDATE SET device_model = excluded.device_model, fault_code = excluded.fault_code, fault = excluded.fault
                WHERE (ticket_facts.device_model, ticket_facts.fault_code, ticket_facts.fault)
                    IS DISTINCT FROM (excluded.device_model, excluded.fault_code, excluded.fault)
                RETURNING ticket
                """
            ).decode(String.self).all())
        return facts.filter { factsChanged.contains($0.id.rawValue) || newlyAssigned.contains($0.id.rawValue) }
    }

    /// Re-derives an entity beyond tickets through its kind's ``NodeEntityKind``: its row,
    /// terms and blobs (none while it has nothing to show).
    func entity(_ id: EntityID, _ seq: Int64) async throws -> EntityRecord? {
        // A location's stock is decided by its id: a year of its movements is not read per push.
        var found = NodeEntityKinds.recordByID(id, seq: seq)
        if found == nil { found = NodeEntityKinds.record(of: id, ops: try await ops(of: id), seq: seq) }
        guard let record = found else { return nil }
        try await query("DELETE FROM entity_terms WHERE entity = \(id.rawValue)")
        // Which blobs it shows now (PostgresNodeBlobStore's access checks find an article
        // from its image here, as SQLite's `article_images`): its old ones replaced.
        if recordsEntityBlobs {
            try await query("DELETE FROM entity_blobs WHERE entity = \(id.rawValue)")
            if !record.blobs.isEmpty {
                try await query(
                    """
                    INSERT INTO entity_blobs (sha256, entity) SELECT d, \(id.rawValue) FROM unnest(\(record.blobs.map(\.hex))::text[]) AS b(d)
                    ON CONFLICT DO NOTHING
                    """)
            }
        }
        guard let row = record.row else {
            try await query("DELETE FROM entities WHERE id = \(id.rawValue)")
            return record
        }
        try await query(
            """
            INSERT INTO entities (id, kind, seq, row, audience) VALUES (\(id.rawValue), \(id.kind.rawValue), \(seq), \(row), \(Self.json(record.audience)))
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, row = excluded.row, audience = excluded.audience
            """)
        for term in record.audience.terms {
            try await query(
                "INSERT INTO entity_terms (kind, term, entity) VALUES (\(term.kind.rawValue), \(term.term), \(id.rawValue)) ON CONFLICT DO NOTHING")
        }
        return record
    }

    /// Every op stored on `id`, in log order.
    func ops(of id: EntityID) async throws -> [Op] {
        var ops: [Op] = []
        for try await row in try await query("SELECT \(unescaped: OpRecord.columns) FROM ops WHERE subject = \(id.rawValue) ORDER BY seq")
            .decode(OpRecord.Row.self)
        {
            ops.append(try OpRecord.decode(row))
        }
        return ops
    }

    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await connection.checkedQuery(query, logger: logger)
    }

    static func json(_ audience: EntityAudience) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // A struct of booleans and lists of strings always encodes.
        return String(decoding: (try? encoder.encode(audience)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// An audience as stored; nobody's when unreadable (never in a scope by mistake).
    static func audience(_ json: String) -> EntityAudience {
        (try? JSONDecoder().decode(EntityAudience.self, from: Data(json.utf8))) ?? .nobody
    }
}
