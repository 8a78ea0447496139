import FieldModel
import FieldStore
import FieldWire
import Foundation
import Testing

/// What a node restored from a backup takes back from devices (SPEC §9.3, §9.4): ops of
/// other replicas with this node's vouchers, and nothing a voucher does not cover; and a
/// store whose file is a copy records under a new id.
@Suite struct RecoveryStoreTests {
    let now: UInt64 = 1_795_424_400_000
    let e1 = Principal(name: "E1", role: .engineer)
    let e2 = Principal(name: "E2", role: .engineer)

    func node() throws -> (TempReplica, TicketID, [UInt8]) {
        let r = try TempReplica(replica: "node-test")
        let (id, _) = try r.store.edit(now: now) { edit in
            try edit.createTicket(TicketCreated(customer: "Acme", site: "P3", deviceModel: "X2", category: "repair", fault: "trips", assignee: "E1", at: now)).subject
        }
        return (r, id, try r.store.voucherKey())
    }

    func note(_ counter: UInt64, _ replica: String, on ticket: TicketID, _ text: String = "n") -> Op {
        // A second apart, so notes have one order.
        Op(id: OpID(replica: ReplicaID(replica)!, counter: counter), wallMillis: now + counter * 1000, logical: 0, subject: ticket, body: .note(Note(text: text, at: now)))
    }

    @Test("ops another device pulled come back with the node's vouchers, gaps and all, under their owner")
    func givenBack() throws {
        let (r, t, key) = try node()
        // E2's device gives back E1's notes 3 and 5 (it holds only those): the node had them.
        let ops = [note(3, "e1-dev", on: t, "three"), note(5, "e1-dev", on: t, "five")]
        let vouchers = ops.map { Optional(OpVoucher(for: $0, owner: "E1", key: key)) }
        let result = try r.store.ingest(ops, vouchers: vouchers, voucherKey: key, from: e2, replica: ReplicaID("e2-dev")!, now: now)
        #expect(result.inserted == 2)
        #expect(result.acked[ReplicaID("e1-dev")!] == 0, "held from 1 on: nothing yet")
        let notes = try r.store.ticket(t)?.notes.map(\.note.text)
        #expect(notes == ["three", "five"], "\(String(describing: notes))")
        // The same again: duplicates, nothing changes.
        let again = try r.store.ingest(ops, vouchers: vouchers, voucherKey: key, from: e2, replica: ReplicaID("e2-dev")!, now: now)
        #expect(again.inserted == 0)
        // E1 still owns its replica: its own push fills the gaps and the run closes up to 5.
        #expect(throws: StoreError.self) { try r.store.ingest([note(1, "e1-dev", on: t)], from: e2, replica: ReplicaID("e1-dev")!, now: now) }
        let own = try r.store.ingest([note(1, "e1-dev", on: t, "one"), note(2, "e1-dev", on: t, "two"), note(3, "e1-dev", on: t, "three"), note(4, "e1-dev", on: t, "four")],
                                     from: e1, replica: ReplicaID("e1-dev")!, now: now)
        #expect(own.acked[ReplicaID("e1-dev")!] == 5)
        // A maker reusing a given-back id with other content is refused, naming it.
        #expect(throws: StoreError.self) {
            try r.store.ingest([note(5, "e1-dev", on: t, "other")], from: e1, replica: ReplicaID("e1-dev")!, now: now)
        }
    }

    @Test("ops pushed on a ticket the restored node had lost wait in quarantine, and join it when a device gives the ticket back")
    func quarantineReleasedWhenTheTicketComesBack() throws {
        let (r, _, key) = try node()
        // A ticket the node dispatched after its backup: the restored node lacks it.
        let lost = EntityID("T2-node-test")!
        let created = Op(id: OpID(replica: ReplicaID("node-old")!, counter: 1), wallMillis: now, logical: 0, subject: lost,
                         body: .ticketCreated(TicketCreated(customer: "Globex", site: "P1", deviceModel: "X2", category: "repair", fault: "leak", assignee: "E1", at: now)))
        // E1's device pushes its note on it first: out of scope, quarantined, counted as held.
        let pushed = try r.store.ingest([note(1, "e1-dev", on: lost, "on the lost ticket")], from: e1, replica: ReplicaID("e1-dev")!, now: now)
        #expect(pushed.quarantined.count == 1)
        #expect(try r.store.ticket(lost) == nil)
        // E2's device gives back the ticket's creation, with the node's voucher.
        _ = try r.store.ingest([created], vouchers: [OpVoucher(for: created, owner: "@self", key: key)], voucherKey: key,
                               from: e2, replica: ReplicaID("e2-dev")!, now: now)
        let ticket = try #require(try r.store.ticket(lost))
        #expect(ticket.notes.map(\.note.text) == ["on the lost ticket"])
        #expect(try r.store.quarantine().isEmpty)
    }

    @Test("a voucher under another key, for other content, naming another owner, or missing is refused and nothing is stored")
    func hostileVouchers() throws {
        let (r, t, key) = try node()
        _ = try r.store.ingest([note(1, "e1-dev", on: t)], from: e1, replica: ReplicaID("e1-dev")!, now: now)
        let op = note(2, "e1-dev", on: t, "forged")
        let other = note(2, "e1-dev", on: t, "what the node served")
        var flipped = OpVoucher(for: op, owner: "E1", key: key)
        flipped.mac[0] ^= 1
        let cases: [[OpVoucher?]] = [
            [OpVoucher(for: op, owner: "E1", key: [UInt8](repeating: 7, count: 32))],  // another node's key
            [OpVoucher(for: other, owner: "E1", key: key)],  // for other content
            [OpVoucher(for: op, owner: "E2", key: key)],  // claims E2 owns e1-dev: refused by ownership
            [flipped],
            [OpVoucher(owner: "E1", mac: [])],  // minimal: no MAC at all
            [nil],  // no voucher: not E2's replica
        ]
        for vouchers in cases {
            #expect(throws: StoreError.self) {
                try r.store.ingest([op], vouchers: vouchers, voucherKey: key, from: e2, replica: ReplicaID("e2-dev")!, now: now)
            }
        }
        // A node without a key (older) takes no vouchers at all.
        #expect(throws: StoreError.self) {
            try r.store.ingest([op], vouchers: [OpVoucher(for: op, owner: "E1", key: key)], voucherKey: [], from: e2, replica: ReplicaID("e2-dev")!, now: now)
        }
        #expect(try r.store.ticket(t)?.notes.isEmpty == false)
        #expect(try r.store.ticket(t)?.notes.map(\.note.text).contains("forged") == false)
        #expect(try r.store.held(of: ReplicaID("e1-dev")!) == 1)
    }

    @Test("a node asks for ops it lacks of others' replicas, not of ids the pusher owns or may claim as its own")
    func lackingLeavesOutThePushersOwn() throws {
        let (r, t, _) = try node()
        _ = try r.store.ingest([note(1, "e1-dev", on: t)], from: e1, replica: ReplicaID("e1-dev")!, now: now)
        let have = VersionVector([ReplicaID("e1-0a0a0a0a")!: 3, ReplicaID("e1-dev")!: 5, ReplicaID("node-old")!: 2, ReplicaID("e2-dev2")!: 1])
        // E1 owns e1-dev and may claim e1-0a0a0a0a (it pushes them as its own); E2's and the
        // node's it must give back.
        #expect(try r.store.lacking(have, for: e1) == [ReplicaID("e2-dev2")!, ReplicaID("node-old")!])
        #expect(try r.store.lacking(have, for: e2) == [ReplicaID("e1-0a0a0a0a")!, ReplicaID("e1-dev")!, ReplicaID("node-old")!])
        // Nothing past what the node holds: nothing lacking; a huge counter is just lacking.
        #expect(try r.store.lacking(VersionVector([ReplicaID("e1-dev")!: 1]), for: e2).isEmpty)
        #expect(try r.store.lacking(VersionVector([ReplicaID("zz-9")!: .max]), for: e1) == [ReplicaID("zz-9")!])
    }

    @Test("an engineer's device may push under a new id of its own engineer's, not under another's")
    func newIDsAreTheEngineers() throws {
        let (r, t, _) = try node()
        let ok = try r.store.ingest([note(1, "e1-0a1b2c3d", on: t)], from: e1, replica: ReplicaID("e1-ffff0000")!, now: now)
        #expect(ok.acked[ReplicaID("e1-0a1b2c3d")!] == 1)
        #expect(throws: StoreError.self) {
            try r.store.ingest([note(1, "e2-0a1b2c3d", on: t)], from: e1, replica: ReplicaID("e1-ffff0000")!, now: now)
        }
    }

    @Test("a store whose file is a copy records under a new id and keeps every op; the original does not fork")
    func copyForks() throws {
        let r = try TempReplica(replica: "e17-0000aaaa")
        let t = try r.store.edit(now: now) { edit in
            try edit.createTicket(TicketCreated(customer: "A", site: "S", deviceModel: "M", category: "c", fault: "f", assignee: "E17", at: now)).subject
        }.0
        let reopened = try ReplicaStore.open(at: r.store.path)
        #expect(reopened.forkedFrom == nil)
        #expect(reopened.identity.replica == ReplicaID("e17-0000aaaa")!)
        let copy = r.dir + "/copy.sqlite"
        // A backup copies the folder: the file and its write-ahead log.
        try FileManager.default.copyItem(atPath: r.store.path, toPath: copy)
        if FileManager.default.fileExists(atPath: r.store.path + "-wal") {
            try FileManager.default.copyItem(atPath: r.store.path + "-wal", toPath: copy + "-wal")
        }
        let forked = try ReplicaStore.open(at: copy)
        #expect(forked.forkedFrom == ReplicaID("e17-0000aaaa")!)
        #expect(forked.identity.replica != ReplicaID("e17-0000aaaa")!)
        #expect(forked.identity.replica.rawValue.hasPrefix("e17-"))
        #expect(try forked.ownMaxCounter() == 0)
        #expect(try forked.previousOwnReplicas() == [ReplicaID("e17-0000aaaa")!: 0])
        #expect(try forked.unacknowledgedPrevious(limit: 10).map(\.id.counter) == [1])
        _ = try forked.edit(now: now) { edit in try edit.record(.note(Note(text: "after", at: now)), on: t) }
        #expect(try forked.ticket(t)?.notes.count == 1)
        // Opened again, the copy is now itself: no second fork.
        let again = try ReplicaStore.open(at: copy)
        #expect(again.forkedFrom == nil)
        #expect(again.identity.replica == forked.identity.replica)
    }
}
