import FieldModel
import FieldStore
import Foundation
import Testing

/// A fresh replica file in a temp folder, removed when the test ends.
final class TempReplica {
    let dir: String
    let store: ReplicaStore

    init(engineer: String = "E17", replica: String = "e17-test") throws {
        dir = NSTemporaryDirectory() + "fieldsync-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        store = try ReplicaStore.create(at: dir + "/replica.sqlite", replica: ReplicaID(replica)!, engineer: engineer)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }
}

@Suite struct ReplicaStoreTests {
    let now: UInt64 = 1_795_424_400_000

    func centralOps() -> (TicketID, [Op]) {
        var central = OpMaker(clock: HybridClock(replica: ReplicaID("central")!))
        let created = central.createTicket(
            TicketCreated(customer: "Acme", site: "Plant 3", deviceModel: "X2", category: "repair", fault: "trips", assignee: "E17", at: now),
            now: now)
        var t = Ticket(id: created.subject)
        t.apply(created)
        let prio = central.make(t.setting(Field.priority, to: "high"), on: t.id, now: now + 1000)
        return (created.subject, [created, prio])
    }

    @Test func appliedOpsAreStoredOnceAndMaterialised() throws {
        let r = try TempReplica()
        let (id, ops) = centralOps()
        let first = try r.store.apply(ops, now: now)
        #expect(first.inserted == 2 && first.duplicates == 0)
        let again = try r.store.apply(ops + ops, now: now)
        #expect(again.inserted == 0 && again.duplicates == 4)
        #expect(try r.store.opCount() == 2)
        let list = try r.store.tickets()
        #expect(list.map(\.id) == [id.rawValue])
        #expect(list.first?.priority == "high")
        #expect(list.first?.status == "assigned")
        var expected = Ticket(id: id)
        for op in ops { expected.apply(op) }
        #expect(try r.store.ticket(id) == expected)
        #expect(list.first?.digest == expected.digest.hex)
    }

    @Test("an op reusing a stored id with other content is refused and changes nothing")
    func conflictingOpRefused() throws {
        let r = try TempReplica()
        let (id, ops) = centralOps()
        try r.store.apply(ops, now: now)
        let forged = Op(id: ops[1].id, stamp: ops[1].stamp, subject: id, body: .note(Note(text: "forged", at: now)))
        #expect(throws: StoreError.self) { try r.store.apply([forged], now: now) }
        #expect(try r.store.ticket(id)?.notes.isEmpty == true)
        #expect(try r.store.opCount() == 2)
    }

    @Test func editsAreAtomicAndCountersContiguous() throws {
        let r = try TempReplica()
        let (id, ops) = centralOps()
        try r.store.apply(ops, now: now)
        // An edit that throws half-way records nothing and consumes no counter.
        #expect(throws: StoreError.self) {
            try r.store.edit(now: now) { edit in
                try edit.record(.note(Note(text: "first", at: now)), on: id)
                try edit.record(.partAdded(PartLine(partNumber: "P", quantity: Quantity(-1), location: "van:E17")), on: id)
            }
        }
        #expect(try r.store.ticket(id)?.notes.isEmpty == true)
        let (_, made) = try r.store.edit(now: now) { edit in
            try edit.record(.note(Note(text: "kept", at: now)), on: id)
        }
        #expect(made.map(\.id.counter) == [1])
        #expect(try r.store.ticket(id)?.notes.map(\.note.text) == ["kept"])
    }

    @Test func unknownTicketIsRefused() throws {
        let r = try TempReplica()
        #expect(throws: StoreError.self) {
            try r.store.edit(now: now) { edit in try edit.record(.note(Note(text: "x", at: now)), on: EntityID("T9-nobody")!) }
        }
        #expect(try r.store.opCount() == 0)
    }

    @Test("ops of unknown kinds are stored and kept, not dropped")
    func unknownKindsKept() throws {
        let r = try TempReplica()
        let (id, ops) = centralOps()
        var maker = OpMaker(clock: HybridClock(replica: ReplicaID("newer")!))
        let future = maker.make(.unknown(UnknownOp(kind: OpKind(rawValue: 42), payload: [9, 8, 7])), on: id, now: now)
        try r.store.apply(ops + [future], now: now)
        #expect(try r.store.ops(of: id).contains(future))
    }

    @Test func clockObservesAppliedStamps() throws {
        let r = try TempReplica()
        let (id, ops) = centralOps()
        try r.store.apply(ops, now: now)
        // A device clock behind the ops' stamps still stamps after them.
        let (_, made) = try r.store.edit(now: now - 3_600_000) { edit in
            try edit.record(.note(Note(text: "late clock", at: now - 3_600_000)), on: id)
        }
        #expect(made[0].stamp > ops[1].stamp)
    }

    @Test func reopeningKeepsEverything() throws {
        let r = try TempReplica()
        let (id, ops) = centralOps()
        try r.store.apply(ops, now: now)
        let again = try ReplicaStore.open(at: r.store.path)
        #expect(again.identity.engineer == "E17")
        #expect(try again.ticket(id)?.value(Field.priority) == "high")
        #expect(throws: StoreError.self) { try ReplicaStore.create(at: r.store.path, replica: ReplicaID("x")!, engineer: "E1") }
    }

    @Test func damagedFileGivesAClearError() throws {
        let dir = NSTemporaryDirectory() + "fieldsync-bad-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/replica.sqlite"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ReplicaStore.open(at: path)
            Issue.record("opened a damaged file")
        } catch {
            #expect(error.code == .damaged)
            #expect(error.message.contains("damaged"))
        }
        #expect(throws: StoreError.self) { try ReplicaStore.open(at: dir + "/missing.sqlite") }
    }
}
