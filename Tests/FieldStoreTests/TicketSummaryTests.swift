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
}
