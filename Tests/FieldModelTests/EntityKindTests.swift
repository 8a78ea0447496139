import FieldModel
import FieldTestSupport
import Testing

/// Entity kinds (M6): an id names its kind, ops go to the state of their subject's kind,
/// and ops on a kind this version does not know are kept elsewhere and derive nothing.
@Suite struct EntityKindTests {
    @Test("an id names its kind: KIND:NAME, and a colon-less id is a ticket's")
    func idsNameTheirKind() throws {
        #expect(EntityID.ticket(createdBy: OpID(replica: ReplicaID("e17-1a2b")!, counter: 3)).kind == .ticket)
        #expect(try #require(EntityID("article:fan-guide")).kind == EntityKind("article"))
        #expect(try #require(EntityID("stock:van:E17")).kind == EntityKind("stock"), "the kind ends at the first colon")
        #expect(try #require(EntityID(kind: EntityKind("article"), name: "风扇-guide")).rawValue == "article:风扇-guide")
        // Kinds are lowercase letters, digits and '-'; the ticket kind is the colon-less form.
        for bad in ["", "Article", "art icle", "a:b", "ticket"] {
            #expect(EntityID(kind: EntityKind(bad), name: "x") == nil, "\(bad)")
        }
        #expect(EntityID(kind: EntityKind("article"), name: "") != nil, "an empty name is still a valid id: article:")
        #expect(EntityID(kind: EntityKind("article"), name: String(repeating: "x", count: 200)) == nil, "past 128 bytes")
        #expect(EntityID(kind: EntityKind("article"), name: "a b") == nil, "whitespace")
    }

    @Test("ops on a kind this version does not know change no state, in any order, merged or not")
    func unknownKindsDeriveNothing() {
        for seed in 1...UInt64(200) {
            var rng = SeededRandom(seed: seed)
            var sim = FieldSimulation(replicaCount: 3, seed: seed)
            let ticketOps = sim.run(steps: 30)
            // The same ops moved onto entities of kinds nobody registered.
            let foreign = ticketOps.map { op in
                Op(id: OpID(replica: op.id.replica, counter: op.id.counter + 1_000_000), wallMillis: op.stamp.wallMillis,
                   logical: op.stamp.logical, subject: EntityID("widget:\(op.subject.rawValue)")!, body: op.body)
            }
            var alone = ReplicaState()
            alone.apply(contentsOf: ticketOps)
            var mixed = ReplicaState()
            mixed.apply(contentsOf: (ticketOps + foreign).shuffled(using: &rng))
            #expect(mixed == alone, "seed \(seed)")
            #expect(mixed.digest == alone.digest, "seed \(seed)")
            var halves = ReplicaState()
            halves.apply(contentsOf: foreign)
            #expect(halves.merging(alone) == alone, "seed \(seed)")
            #expect(halves.tickets.isEmpty)
        }
    }

    @Test("a state of tickets only has the digest it had before kinds: SHA-256 over the tickets' digests in id order")
    func ticketDigestUnchanged() {
        var sim = FieldSimulation(replicaCount: 3, seed: 42)
        var state = ReplicaState()
        state.apply(contentsOf: sim.run(steps: 60))
        var h = SHA256()
        for id in state.tickets.keys.sorted() { h.update(state.tickets[id]!.digest.bytes) }
        #expect(!state.tickets.isEmpty)
        #expect(state.digest == h.finalize())
    }
}
