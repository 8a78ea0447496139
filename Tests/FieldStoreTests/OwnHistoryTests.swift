import FieldModel
import FieldStore
import Foundation
import Testing

/// A device restored from a backup takes its own history back from the node (SPEC §9).
@Suite struct OwnHistoryTests {
    let now: UInt64 = 1_795_424_400_000

    /// A device replica with a ticket and `notes` notes on it, all its own.
    func device(notes: Int) throws -> (TempReplica, TicketID) {
        let r = try TempReplica()
        let (id, _) = try r.store.edit(now: now) { e in
            try e.createTicket(TicketCreated(customer: "Acme", site: "P3", deviceModel: "X2", category: "repair", fault: "trips", assignee: "E17", at: now)).subject
        }
        for i in 1...notes { _ = try r.store.edit(now: now + UInt64(i) * 1000) { e in try e.record(.note(Note(text: "local \(i)", at: now)), on: id) } }
        return (r, id)
    }

    func nodeOp(_ counter: UInt64, on id: TicketID, _ text: String) -> Op {
        Op(id: OpID(replica: ReplicaID("e17-test")!, counter: counter), wallMillis: now + 500, logical: 0, subject: id, body: .note(Note(text: text, at: now)))
    }

    @Test("ops made after a restore move right after the node's, with no hole, and keep their content")
    func renumberedOpsFollowTheNodes() throws {
        let (r, id) = try device(notes: 9)  // counters 1 (creation) to 10
        // The node holds 5-7 of this replica with other content (made before the restore).
        let theirs = (5...7).map { nodeOp(UInt64($0), on: id, "node \($0)") }
        let adoption = try r.store.adoptOwnHistory(theirs, now: now + 60_000)
        #expect(adoption.renumbered.count == 6, "local 5-10 moved")
        #expect(Set(adoption.renumbered.values.map(\.counter)) == Set(8...13))
        let ops = try r.store.ops(of: id).filter { $0.id.replica == ReplicaID("e17-test")! }
        #expect(ops.map(\.id.counter).sorted() == Array(1...13), "contiguous: no counter the node could never get")
        let texts = try #require(try r.store.ticket(id)).notes.map(\.note.text)
        #expect(Set(texts) == Set((1...9).map { "local \($0)" } + (5...7).map { "node \($0)" }))
        #expect(try r.store.ownMaxCounter() == 13)
        // The next op made here follows them.
        let (_, next) = try r.store.edit(now: now + 90_000) { e in try e.record(.note(Note(text: "after", at: now)), on: id) }
        #expect(next.first?.id.counter == 14)
    }

    @Test("ops the node holds and this copy lacks are taken in, nothing moves")
    func behindWithoutConflict() throws {
        let (r, id) = try device(notes: 3)  // 1 to 4
        let adoption = try r.store.adoptOwnHistory((5...6).map { nodeOp(UInt64($0), on: id, "node \($0)") }, now: now + 60_000)
        #expect(adoption.restored == 2 && adoption.renumbered.isEmpty)
        #expect(try r.store.ownMaxCounter() == 6)
    }
}
