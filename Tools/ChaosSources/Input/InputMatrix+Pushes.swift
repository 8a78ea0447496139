import FieldModel
import FieldWire

extension InputMatrix {
    /// Pushes that must store nothing: someone else's replica, the node's own, counter
    /// gaps, future stamps, replays with other content, invalid ops.
    static func pushes(_ c: InputContext) -> [HostileCase] {
        var out: [HostileCase] = []
        func add(_ name: String, _ body: [UInt8], token: String? = nil, _ expect: Expect) {
            out.append(HostileCase(category: "pushes", name: name, request: c.sync(body, token: token), expect: expect))
        }
        let note = HostileBodies.note
        let forbidden = Expect.refusal(403, 5)
        add("E2 pushes E1's replica (E1's next op, on E2's ticket)", HostileBodies.push(c.e1Replica, [note(c.e1Next, c.e1Replica, c.ticketB, "chaos probe", HostileBodies.nowMillis)]), token: c.e2Token, forbidden)
        add("E2 pushes E1's replica under its own hello", HostileBodies.push(c.e2Replica, [note(c.e1Next, c.e1Replica, c.ticketB, "chaos probe", HostileBodies.nowMillis)]), token: c.e2Token, forbidden)
        add("E1 pushes as the node's replica \(c.nodeReplica)", HostileBodies.push(c.nodeReplica, [note(c.nodeNext, c.nodeReplica, c.ticketA, "chaos probe", HostileBodies.nowMillis)]), forbidden)
        add("E1 pushes the node's next op under its own hello", HostileBodies.push(c.e1Replica, [note(c.nodeNext, c.nodeReplica, c.ticketA, "chaos probe", HostileBodies.nowMillis)]), forbidden)
        // The hole: quarantinable ops as the node, then one on E1's own ticket.
        let asNode = (0..<5).map { note(c.nodeNext + UInt64($0), c.nodeReplica, "T999-nowhere", "chaos probe", HostileBodies.nowMillis) }
            + [note(c.nodeNext + 5, c.nodeReplica, c.ticketA, "chaos probe", HostileBodies.nowMillis)]
        add("E1 pushes as the node: 5 ops on an unknown ticket, then one on its own", HostileBodies.push(c.nodeReplica, asNode), forbidden)
        // The exact hole: counters from 1 as the node, on an unknown ticket, then
        // the next one on E1's ticket.
        let fromOne = (1..<c.nodeNext).map { note($0, c.nodeReplica, "T999-nowhere", "chaos probe", HostileBodies.nowMillis) }
            + [note(c.nodeNext, c.nodeReplica, c.ticketA, "chaos probe", HostileBodies.nowMillis)]
        add("E1 pushes as the node from counter 1: unknown tickets, then E1's", HostileBodies.push(c.nodeReplica, fromOne), .either(forbidden, .refusal(409, 8)))
        add("E1 replays the node's op 1 with other content", HostileBodies.push(c.e1Replica, [note(1, c.nodeReplica, c.ticketA, "chaos probe", HostileBodies.nowMillis)]), .either(forbidden, .refusal(409, 8)))
        add("E1's op on E2's ticket (quarantined)", HostileBodies.push("e1-chaos-scope", [note(1, "e1-chaos-scope", c.ticketB, "chaos probe", HostileBodies.nowMillis)]), forbidden)
        add("E1's op on a ticket that does not exist", HostileBodies.push("e1-chaos-none", [note(1, "e1-chaos-none", "T999-nowhere", "chaos probe", HostileBodies.nowMillis)]), forbidden)
        add("counter gap on a new replica (op 2 first)", HostileBodies.push("e1-chaos-gap", [note(2, "e1-chaos-gap", c.ticketA, "chaos probe", HostileBodies.nowMillis)]), .refusal(409, 6))
        add("counter gap on E1's replica", HostileBodies.push(c.e1Replica, [note(c.e1Next + 5, c.e1Replica, c.ticketA, "chaos probe", HostileBodies.nowMillis)]), .refusal(409, 6))
        let hour: UInt64 = 3_600_000
        add("op stamped an hour ahead", HostileBodies.push("e1-chaos-future", [note(1, "e1-chaos-future", c.ticketA, "chaos probe", HostileBodies.nowMillis + hour)]), .refusal(400, 7))
        add("op stamped 11 minutes ahead", HostileBodies.push("e1-chaos-future", [note(1, "e1-chaos-future", c.ticketA, "chaos probe", HostileBodies.nowMillis + 660_000)]), .refusal(400, 7))
        add("op stamped in year 292 million", HostileBodies.push("e1-chaos-future", [note(1, "e1-chaos-future", c.ticketA, "chaos probe", 1 << 63)]), .either(.refusal(400, 7), .refusal(400, 1)))
        add("replay of E1's op 1 with other content", HostileBodies.push(c.e1Replica, [note(1, c.e1Replica, c.ticketA, "not what was said", HostileBodies.nowMillis)]), .refusal(409, 8))
        add("replay with other content beside E1's next op", HostileBodies.push(c.e1Replica, [
            note(1, c.e1Replica, c.ticketA, "not what was said", HostileBodies.nowMillis),
            note(c.e1Next, c.e1Replica, c.ticketA, "chaos probe", HostileBodies.nowMillis),
        ]), .refusal(409, 8))
        let now = HostileBodies.nowMillis
        let zeroPart = OpBody.partAdded(PartLine(partNumber: "FAN-1", quantity: Quantity(thousandths: 0), location: "van:E1"))
        add("part with quantity 0", HostileBodies.push("e1-chaos-invalid", [HostileBodies.op(1, by: "e1-chaos-invalid", on: c.ticketA, zeroPart, wall: now)]), .refusal(400, 9))
        let hugePhoto = OpBody.attachmentAdded(Attachment(kind: .photo, sha256: Digest(bytes: Array(repeating: 0xAB, count: 32))!, byteSize: 1 << 40, mediaType: "image/jpeg"))
        add("photo declaring 1 TiB", HostileBodies.push("e1-chaos-invalid", [HostileBodies.op(1, by: "e1-chaos-invalid", on: c.ticketA, hugePhoto, wall: now)]), .refusal(400, 9))
        // Clocks from outside go into arithmetic: an answer (or a refusal), never a trap.
        // Each on a replica of its own, so that every offset stays stored for `devices`.
        for (i, (name, clock)) in [("hello clock 2^64 - 1", UInt64.max), ("hello clock 2^63 ms past now", now &+ (1 << 63)), ("hello clock 0", 0)].enumerated() {
            add(name, Frame.encode([HostileBodies.hello("e1-chaos-clock\(i)", clock: clock), HostileBodies.pull()]),
                .either(.answer([200], "200 with a frame") { (try? Frame.decode($0.body)) != nil }, .refusal(400, 1)))
        }
        return out
    }
}
