import FieldModel
import FieldTestSupport
import FieldWire
import Foundation
import Testing

/// The holes a hostile client found in the core (H1), each through the real node and,
/// where a device is involved, the real `fieldsync`: they must stay closed.
@Suite(.serialized) struct HostileClientTests {
    static func now() -> UInt64 { UInt64(Date().timeIntervalSince1970) * 1000 }

    func note(_ counter: UInt64, _ replica: String, on ticket: String, text: String = "probe", wall: UInt64 = now()) -> Op {
        Op(id: OpID(replica: ReplicaID(replica)!, counter: counter), wallMillis: wall, logical: 0,
           subject: EntityID(ticket)!, body: .note(Note(text: text, at: wall)))
    }

    func hello(_ replica: String, clock: UInt64 = now()) -> WireMessage {
        .hello(Hello(replica: ReplicaID(replica)!, clock: clock))
    }

    /// The error a refused answer carries; fails the test if there is none.
    func error(in reply: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> ErrorMessage {
        try #require(try Frame.decode(reply).compactMap { if case .error(let e) = $0 { e } else { nil } }.first, sourceLocation: sourceLocation)
    }

    /// The node's replica id, as its answer to a hello says.
    func nodeReplica(_ field: Field, token: String) async throws -> ReplicaID {
        let (status, reply) = try await field.post(Frame.encode([hello("e99-ask"), .pullRequest(PullRequest(cursor: [], maxOps: 1))]), token: token)
        #expect(status == 200)
        return try #require(try Frame.decode(reply).compactMap { if case .hello(let h) = $0 { h.replica } else { nil } }.first)
    }

    @Test("finding 1: eight notes a second apart (one-byte op heads) sync, and keep syncing")
    func eightNotesASecondApart() async throws {
        try await onOwnThread {
            let field = try Field()
            let t1 = try field.dispatch("E17")
            let e17 = try field.engineer("E17")
            try e17.ok("sync")
            // A second apart, so each note's head implies replica, counter and clock: the
            // smallest ops the spec allows. The skew stands in for waiting 8 seconds.
            let start = Int64(Date().timeIntervalSince1970 * 1000)
            for i in 1...8 {
                let skew = Int64(i) * 1000 - (Int64(Date().timeIntervalSince1970 * 1000) - start)
                try #require(try e17.run("note", t1, "n\(i)", env: ["FIELDSYNC_TEST_CLOCK_SKEW_MS": String(skew)]).status == 0)
            }
            let sync = try e17.run("sync", "--json")
            #expect(sync.status == 0, "\(sync.stderr)")
            #expect(sync.object["pushed"] as? Int == 8)
            let notes = try #require(try field.central(t1)["notes"] as? [[String: Any]])
            #expect(notes.compactMap { $0["text"] as? String } == (1...8).map { "n\($0)" })
            try e17.ok("note", t1, "n9")
            #expect(try e17.run("sync", "--json").object["pushed"] as? Int == 1)
            }
    }

    @Test("finding 3: an engineer cannot push under the node's replica id, whatever is quarantined")
    func cannotWriteAsTheNode() async throws {
        let field = try Field()
        let t1 = try field.dispatch("E1")
        let token = try field.token("E1")
        let node = try await nodeReplica(field, token: token)
        #expect(node.rawValue != "central", "a node makes its own replica id at first start")
        let before = try field.centralDigests()
        // 1–49 on tickets no one has (they would be quarantined), 50 on E1's own ticket.
        let ops = (1...49).map { note(UInt64($0), node.rawValue, on: "T\($0)-nowhere") } + [note(50, node.rawValue, on: t1)]
        let (status, reply) = try await field.post(Frame.encode([hello(node.rawValue), .push(Push(ops: ops))]), token: token)
        #expect(status == 403)
        #expect(try error(in: reply).code == .forbidden)
        #expect(try field.centralDigests() == before, "nothing applied")
        let quarantine = try #require(try field.node.admin("quarantine", "--json").json as? [[String: Any]])
        #expect(quarantine.isEmpty, "nothing quarantined for a replica the pusher does not own")
        // Ops of the node's replica inside an engineer's own hello are refused too.
        let (mixed, _) = try await field.post(Frame.encode([hello("e1-dev"), .push(Push(ops: [note(50, node.rawValue, on: t1)]))]), token: token)
        #expect(mixed == 403)
        // And the node's own work still syncs to E1 as the node's.
        let e1 = try field.engineer("E1")
        try e1.ok("sync")
        #expect((try e1.show(t1)["fields"] as? [String: String])?["customer"] == "Acme Foods")
    }

    @Test("finding 3: a replica belongs to the principal that first pushed it, for every role")
    func replicaOwnership() async throws {
        let field = try Field()
        let t1 = try field.dispatch("E1")
        let e1 = try field.token("E1")
        let (first, _) = try await field.post(Frame.encode([hello("e1-dev"), .push(Push(ops: [note(1, "e1-dev", on: t1)]))]), token: e1)
        #expect(first == 200)
        let before = try field.centralDigests()
        for (name, role) in [("E2", "engineer"), ("dispatch-2", "dispatcher"), ("depot-7", "depot")] {
            let other = try field.token(name, role: role)
            let (status, reply) = try await field.post(Frame.encode([hello("e1-dev"), .push(Push(ops: [note(2, "e1-dev", on: t1)]))]), token: other)
            #expect(status == 403, "\(role)")
            #expect(try error(in: reply).code == .forbidden, "\(role)")
        }
        #expect(try field.centralDigests() == before)
        let (owner, _) = try await field.post(Frame.encode([hello("e1-dev"), .push(Push(ops: [note(2, "e1-dev", on: t1)]))]), token: e1)
        #expect(owner == 200)
    }

    @Test("finding 4: a hello clock of the node's + 2^63 ms is refused, and `devices` never traps", arguments: [
        UInt64(1) << 63, UInt64.max, ClockOffset.latestWallMillis + 1,
    ])
    func hostileDeviceClocks(shift: UInt64) async throws {
        let field = try Field()
        let token = try field.token("E1")
        let (sum, overflow) = Self.now().addingReportingOverflow(shift)
        let (status, reply) = try await field.post(Frame.encode([hello("e1-dev", clock: overflow ? .max : sum)]), token: token)
        #expect(status == 400)
        #expect(try error(in: reply).code == .malformed)
        // A clock at 1970 (an unset RTC) is a time: kept, shown, flagged.
        let (old, _) = try await field.post(Frame.encode([hello("e1-old", clock: 0)]), token: token)
        #expect(old == 200)
        let devices = try field.node.admin("devices")
        #expect(devices.status == 0, "\(devices.stderr)")
        #expect(devices.stdout.contains("e1-old"))
        #expect(devices.stdout.contains("slow"))
        #expect(!devices.stdout.contains("e1-dev"))
        let json = try #require(try field.node.admin("devices", "--json").json as? [String: Any])
        #expect((json["e1-old"] as? Int64 ?? 0) > 1_700_000_000_000)
    }

    @Test("finding 5: a replayed op id with other content is 409 conflicting-op, names the op, stores nothing")
    func replayWithOtherContent() async throws {
        let field = try Field()
        let t1 = try field.dispatch("E1")
        let token = try field.token("E1")
        let original = note(1, "e1-dev", on: t1, text: "original")
        let (first, _) = try await field.post(Frame.encode([hello("e1-dev"), .push(Push(ops: [original]))]), token: token)
        #expect(first == 200)
        let before = try field.centralDigests()
        // The same op again is a harmless resend.
        let (same, sameReply) = try await field.post(Frame.encode([hello("e1-dev"), .push(Push(ops: [original]))]), token: token)
        #expect(same == 200)
        #expect(try Frame.decode(sameReply).contains { if case .pushAck(let a) = $0 { a.acked[ReplicaID("e1-dev")!] == 1 } else { false } })
        // The same id with other text, with a new op after it: all refused.
        let forged = note(1, "e1-dev", on: t1, text: "forged")
        let (status, reply) = try await field.post(Frame.encode([hello("e1-dev"), .push(Push(ops: [forged, note(2, "e1-dev", on: t1)]))]), token: token)
        #expect(status == 409)
        let refusal = try error(in: reply)
        #expect(refusal.code == .conflictingOp)
        #expect(refusal.message.contains("1@e1-dev"))
        // Two different ops under one new id in one push.
        let (twice, twiceReply) = try await field.post(
            Frame.encode([hello("e1-dev"), .push(Push(ops: [note(2, "e1-dev", on: t1, text: "a"), note(2, "e1-dev", on: t1, text: "b")]))]), token: token)
        #expect(twice == 409)
        #expect(try error(in: twiceReply).code == .conflictingOp)
        #expect(try field.centralDigests() == before)
        let notes = try #require(try field.central(t1)["notes"] as? [[String: Any]])
        #expect(notes.compactMap { $0["text"] as? String } == ["original"])
    }

    @Test("an op that does not match the checksum sent with it is refused, and nothing of the push is stored")
    func damagedOpIsRefused() async throws {
        let field = try Field()
        let t1 = try field.dispatch("E1")
        let token = try field.token("E1")
        let before = try field.centralDigests()
        let sent = note(1, "e1-dev", on: t1, text: "pressure 4.2 bar")
        let damaged = note(1, "e1-dev", on: t1, text: "pressure 9.2 bar")
        // The checksums of what the device stored, beside an op that changed on the way.
        let frame = Frame.encode([hello("e1-dev"), .push(Push(ops: [damaged])), OpChecksums.make(for: [sent], covering: .push).message])
        let (status, reply) = try await field.post(frame, token: token)
        #expect(status == 400)
        let refusal = try error(in: reply)
        #expect(refusal.code == .malformed)
        #expect(refusal.message.contains("1@e1-dev"))
        #expect(try field.centralDigests() == before)
        let good = Frame.encode([hello("e1-dev"), .push(Push(ops: [sent])), OpChecksums.make(for: [sent], covering: .push).message])
        #expect(try await field.post(good, token: token).0 == 200)
    }

    @Test("an attachment may not declare more than the node's limit", arguments: [UInt64(256 << 20) + 1, UInt64(Int64.max), UInt64.max])
    func attachmentSizeCap(size: UInt64) async throws {
        let field = try Field()
        let t1 = try field.dispatch("E1")
        let token = try field.token("E1")
        let before = try field.centralDigests()
        let photo = Op(
            id: OpID(replica: ReplicaID("e1-dev")!, counter: 1), wallMillis: Self.now(), logical: 0, subject: EntityID(t1)!,
            body: .attachmentAdded(Attachment(kind: .photo, sha256: SHA256.hash([1, 2, 3]), byteSize: size, mediaType: "image/jpeg", caption: "")))
        let (status, reply) = try await field.post(Frame.encode([hello("e1-dev"), .push(Push(ops: [photo]))]), token: token)
        #expect(status == 400)
        #expect(try error(in: reply).code == .invalidOp)
        #expect(try field.centralDigests() == before)
    }
}
