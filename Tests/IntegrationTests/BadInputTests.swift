import FieldModel
import FieldTestSupport
import FieldWire
import Foundation
import Testing

/// Each bad request gets a clear HTTP error with a machine-readable code, and changes
/// nothing at central.
@Suite(.serialized) struct NodeBadInputTests {
    struct Setup {
        let field: Field
        let token: String
        let t1: String
        let t2: String
    }

    func setup() throws -> Setup {
        let field = try Field()
        let t1 = try field.dispatch("E17")
        let t2 = try field.dispatch("E21")
        return Setup(field: field, token: try field.token("E17"), t1: t1, t2: t2)
    }

    /// Posts `body`, expects `status` and error `code`, and checks central is unchanged.
    func refused(_ s: Setup, _ body: [UInt8], token: String?, status: Int, code: ErrorCode?, _ comment: Comment) async throws {
        let before = try s.field.centralDigests()
        let (got, reply) = try await s.field.post(body, token: token)
        #expect(got == status, comment)
        if let code {
            let error = try Frame.decode(reply).compactMap { if case .error(let e) = $0 { e } else { nil } }.first
            #expect(error?.code == code, comment)
            #expect((error?.message.count ?? 0) > 10, comment)
        }
        #expect(try s.field.centralDigests() == before, comment)
    }

    func note(_ counter: UInt64, on ticket: String, replica: String = "e17-probe", wall: UInt64 = UInt64(Date().timeIntervalSince1970 * 1000)) -> Op {
        Op(id: OpID(replica: ReplicaID(replica)!, counter: counter), wallMillis: wall, logical: 0,
           subject: EntityID(ticket)!, body: .note(Note(text: "probe", at: wall)))
    }

    func hello(_ replica: String = "e17-probe") -> WireMessage {
        .hello(Hello(replica: ReplicaID(replica)!, clock: UInt64(Date().timeIntervalSince1970 * 1000)))
    }

    @Test func badRequestsAreRefusedAndChangeNothing() async throws {
        let s = try setup()
        let good = Frame.encode([hello(), .push(Push(ops: [note(1, on: s.t1)]))])

        try await refused(s, good, token: nil, status: 401, code: .unauthorized, "missing token")
        try await refused(s, good, token: "fs_wrong", status: 401, code: .unauthorized, "wrong token")
        try await refused(s, Array("not a frame".utf8), token: s.token, status: 400, code: .malformed, "malformed")
        try await refused(s, Array(good.prefix(good.count - 3)), token: s.token, status: 400, code: .malformed, "truncated")
        var v2 = Frame.encode([hello()], compress: false)
        v2[4] = 2
        try await refused(s, v2, token: s.token, status: 400, code: .unsupportedVersion, "unknown version")
        try await refused(s, [UInt8](repeating: 0, count: WireLimits.maxFrameBytes + 1), token: s.token, status: 413, code: .tooLarge, "over the limit")
        try await refused(s, Frame.encode([hello(), .push(Push(ops: [note(2, on: s.t1)]))]), token: s.token, status: 409, code: .counterGap, "skips counter 1")
        let hourAhead = UInt64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        try await refused(s, Frame.encode([hello(), .push(Push(ops: [note(1, on: s.t1, wall: hourAhead)]))]), token: s.token, status: 400, code: .futureStamp, "from the future")
        try await refused(s, Frame.encode([.push(Push(ops: [note(1, on: s.t1)]))]), token: s.token, status: 400, code: .malformed, "no hello")

        // The same good push is then accepted: the refusals left no trace.
        let (status, _) = try await s.field.post(good, token: s.token)
        #expect(status == 200)
        #expect(((try s.field.central(s.t1))["notes"] as? [Any])?.count == 1)
    }

    @Test("an op on another engineer's ticket is refused with 403 and kept in quarantine")
    func otherEngineersTicket() async throws {
        let s = try setup()
        let before = try s.field.centralDigests()
        let (status, reply) = try await s.field.post(Frame.encode([hello(), .push(Push(ops: [note(1, on: s.t2)]))]), token: s.token)
        #expect(status == 403)
        let messages = try Frame.decode(reply)
        let error = messages.compactMap { if case .error(let e) = $0 { e } else { nil } }.first
        #expect(error?.code == .forbidden)
        #expect(error?.message.contains("quarantine") == true)
        #expect(try s.field.centralDigests() == before)
        let q = try s.field.node.admin("quarantine", "--json").json as? [[String: Any]] ?? []
        #expect(q.count == 1)
        #expect(q.first?["ticket"] as? String == s.t2)
        #expect(q.first?["principal"] as? String == "E17")
        // A device cannot push for another engineer's replica either.
        let e21 = try s.field.token("E21")
        let (again, _) = try await s.field.post(Frame.encode([hello(), .push(Push(ops: [note(2, on: s.t1)]))]), token: e21)
        #expect(again == 403)
    }

    @Test func adminCommandsRefuseBadInput() async throws {
        try await onOwnThread {
            let s = try setup()
            for args in [
                ["ticket", "show", "T99-nope"], ["ticket", "assign", "T99-nope", "E17"], ["ticket", "set", s.t1, "colour", "red"],
                ["token", "create", "--role", "king", "--name", "E1"], ["token", "revoke", "nope"],
            ] {
                let r = try Binaries.run("fieldsync-node", args + ["--data", s.field.node.data])
                #expect(r.status != 0, "\(args)")
                #expect(r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
            }
            }
    }
}
