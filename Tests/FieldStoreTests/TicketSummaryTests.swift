import FieldModel
import FieldTestSupport
import Testing

@testable import FieldStore

/// The ticket list's digest is the model's: the store hashes through libcrypto, the model
/// in pure Swift, and replicas compare the two (a node's row against a device's ticket).
@Suite struct TicketSummaryTests {
    @Test("a ticket row's digest equals the model's, for tickets of every size", arguments: [1, 2, 3, 4])
    func theRowsDigestIsTheModels(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        var tickets: [EntityID: Ticket] = [:]
        // Up to a few hundred ops on a ticket: canonical bytes from a few bytes to tens of KB,
        // across SHA-256's 64-byte block boundaries.
        for op in RandomOps.make(2_000, &rng) {
            tickets[op.subject, default: Ticket(id: op.subject)].apply(op)
            let ticket = tickets[op.subject]!
            #expect(TicketSummary.digest(of: ticket) == ticket.digest)
        }
        #expect(tickets.count > 10)
        #expect(TicketSummary(Ticket(id: EntityID("T1-empty")!)).digest == Ticket(id: EntityID("T1-empty")!).digest.hex)
    }

    @Test("the stored rows and facts equal the model's after every batch, whichever columns a batch changed", arguments: [5, 6])
    func storedRowsFollowTheModel(seed: UInt64) throws {
        let replica = try TempReplica()
        var rng = SeededRandom(seed: seed)
        var tickets: [EntityID: Ticket] = [:]
        // Each id once (random ids repeat), and only ops the store takes.
        var seen: Set<OpID> = []
        let ops = RandomOps.make(1_500, &rng).filter { (try? $0.validate()) != nil && seen.insert($0.id).inserted }
        for start in stride(from: 0, to: ops.count, by: 60) {
            let batch = Array(ops[start..<min(start + 60, ops.count)])
            try replica.store.apply(batch, now: 1_900_000_000_000)
            for op in batch { tickets[op.subject, default: Ticket(id: op.subject)].apply(op) }
            let rows = try replica.store.tickets()
            #expect(rows.sorted { $0.id < $1.id } == tickets.values.map(TicketSummary.init).sorted { $0.id < $1.id })
            let facts = try replica.store.read { db in try tickets.keys.map { try EntityScope.storedFacts(of: $0, db) } }
            #expect(facts == tickets.keys.map { EntityScope.folded(TicketFacts(tickets[$0]!)) })
        }
        // The batches changed statuses, assignees and conflicts, not only other columns.
        #expect(Set(tickets.values.map(\.status)).count > 1)
        #expect(tickets.values.contains { !$0.conflicts.isEmpty })
    }
}
