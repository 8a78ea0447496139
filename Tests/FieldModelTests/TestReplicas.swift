import FieldModel

/// Two or three named replicas editing one ticket, for example tests.
struct TestReplica {
    var maker: OpMaker
    var state = ReplicaState()
    var now: UInt64 = 1_763_900_000_000

    init(_ name: String) { maker = OpMaker(clock: HybridClock(replica: ReplicaID(name)!)) }

    func ticket(_ id: TicketID) -> Ticket { state.tickets[id] ?? Ticket(id: id) }

    @discardableResult
    mutating func make(_ body: OpBody, on id: TicketID) -> Op {
        now += 1000
        let op = maker.make(body, on: id, now: now)
        state.apply(op)
        return op
    }

    mutating func create(assignee: String = "E17") -> (TicketID, Op) {
        let op = maker.createTicket(
            TicketCreated(
                customer: "Acme", site: "Plant 3", asset: "A-9", deviceModel: "Chiller X2", category: "repair",
                fault: "compressor trips", priority: "normal", assignee: assignee, at: now),
            now: now)
        state.apply(op)
        return (op.subject, op)
    }

    mutating func receive(_ ops: [Op]) {
        for op in ops {
            maker.observe(op.stamp, now: now)
            state.apply(op)
        }
    }
}
