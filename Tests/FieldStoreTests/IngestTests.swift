import FieldModel
import FieldStore
import Foundation
import Testing

/// A node's ingest of pushes: replica ownership, replays and limits, decided in one
/// transaction that changes nothing when it refuses.
@Suite struct IngestTests {
    let now: UInt64 = 1_795_424_400_000
    let e1 = Principal(name: "E1", role: .engineer)

    /// A node-like store (replica `node-test`) with a ticket assigned to E1, made by the
    /// store itself.
    func node() throws -> (TempReplica, TicketID) {
        let r = try TempReplica(replica: "node-test")
        let (id, _) = try r.store.edit(now: now) { edit in
            try edit.createTicket(TicketCreated(customer: "Acme", site: "P3", deviceModel: "X2", category: "repair", fault: "trips", assignee: "E1", at: now)).subject
        }
        return (r, id)
    }

    func note(_ counter: UInt64, _ replica: String, on ticket: TicketID, _ text: String = "n") -> Op {
        Op(id: OpID(replica: ReplicaID(replica)!, counter: counter), wallMillis: now, logical: 0, subject: ticket, body: .note(Note(text: text, at: now)))
    }

    @Test("the store's own replica is claimed: no principal may push under it, quarantine or not")
    func ownReplicaIsClaimed() throws {
        let (r, t) = try node()
        for pusher in [e1, Principal(name: "dispatch", role: .dispatcher), Principal(name: "depot", role: .depot)] {
            let ops = [note(1, "node-test", on: EntityID("T9-elsewhere")!), note(2, "node-test", on: t)]
            #expect(throws: StoreError.self) { try r.store.ingest(ops, from: pusher, replica: ReplicaID("node-test")!, now: now) }
            #expect(throws: StoreError.self) { try r.store.ingest([], from: pusher, replica: ReplicaID("node-test")!, now: now) }
        }
        #expect(try r.store.quarantine().isEmpty)
        #expect(try r.store.ticket(t)?.notes.isEmpty == true)
    }

    @Test("a replica belongs to its first pusher; others are refused and nothing is quarantined")
    func replicaOwnership() throws {
        let (r, t) = try node()
        _ = try r.store.ingest([note(1, "e1-dev", on: t)], from: e1, replica: ReplicaID("e1-dev")!, now: now)
        let e2 = Principal(name: "E2", role: .engineer)
        let refused = [note(2, "e1-dev", on: EntityID("T9-elsewhere")!), note(3, "e1-dev", on: t)]
        #expect(throws: StoreError.self) { try r.store.ingest(refused, from: e2, replica: ReplicaID("e1-dev")!, now: now) }
        #expect(throws: StoreError.self) {
            try r.store.ingest(refused, from: Principal(name: "dispatch", role: .dispatcher), replica: ReplicaID("dispatch-1")!, now: now)
        }
        #expect(try r.store.quarantine().isEmpty)
        // The owner goes on from where it was: the refusals counted nothing.
        let ok = try r.store.ingest([note(2, "e1-dev", on: t)], from: e1, replica: ReplicaID("e1-dev")!, now: now)
        #expect(ok.acked[ReplicaID("e1-dev")!] == 2)
    }

    @Test("a resend is a duplicate; the same id with other content is conflicting-op, in the log or in quarantine")
    func replays() throws {
        let (r, t) = try node()
        let other = EntityID("T9-elsewhere")!
        let first = try r.store.ingest([note(1, "e1-dev", on: t, "a"), note(2, "e1-dev", on: other, "q")], from: e1, replica: ReplicaID("e1-dev")!, now: now)
        #expect(first.quarantined.count == 1)
        let again = try r.store.ingest([note(1, "e1-dev", on: t, "a"), note(2, "e1-dev", on: other, "q")], from: e1, replica: ReplicaID("e1-dev")!, now: now)
        #expect(again.duplicates == 2 && again.inserted == 0)
        for forged in [note(1, "e1-dev", on: t, "b"), note(2, "e1-dev", on: other, "r"), note(1, "e1-dev", on: other, "a")] {
            do {
                _ = try r.store.ingest([forged, note(3, "e1-dev", on: t)], from: e1, replica: ReplicaID("e1-dev")!, now: now)
                Issue.record("\(forged.id) with other content was accepted")
            } catch {
                #expect(error.code == .conflictingOp)
                #expect(error.message.contains(forged.id.description))
            }
        }
        #expect(try r.store.ticket(t)?.notes.map(\.note.text) == ["a"])
    }

    @Test("attachments past the limit are invalid, at any size up to UInt64.max", arguments: [UInt64(1025), UInt64(Int64.max), UInt64.max])
    func attachmentLimit(size: UInt64) throws {
        let (r, t) = try node()
        let op = Op(id: OpID(replica: ReplicaID("e1-dev")!, counter: 1), wallMillis: now, logical: 0, subject: t,
                    body: .attachmentAdded(Attachment(kind: .photo, sha256: SHA256.hash([1]), byteSize: size, mediaType: "image/jpeg", caption: "")))
        do {
            _ = try r.store.ingest([op], from: e1, replica: ReplicaID("e1-dev")!, now: now, maxAttachmentBytes: 1024)
            Issue.record("accepted \(size) bytes")
        } catch {
            #expect(error.code == .invalidOp)
        }
        #expect(try r.store.ticket(t)?.attachments.isEmpty == true)
    }
}
