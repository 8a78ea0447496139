import FieldModel

/// A deterministic stream of ops as sync would deliver it: many tickets in flight at
/// once, their ops interleaved in clock order, from central and a few engineers.
struct Workload {
    /// What to generate. `standard` is 100,000 ops: 1,000 tickets of 60–140 ops
    /// (100 on average), 3 engineers with 10 tickets open each at any time.
    struct Shape {
        var tickets = 1_000
        var opsPerTicket = 100
        var engineers = 3
        var openPerEngineer = 10
        var seed: UInt64 = 0x00F1_E1D5_0C00_0001
        /// 2025-03-03 07:00 UTC.
        var start: UInt64 = 1_740_985_200_000

        static let standard = Shape()
    }

    let shape: Shape
    /// Every op, in the order made (clock order).
    let ops: [Op]
    /// Each ticket as the generator derived it from its own ops: what a replica that
    /// applied `ops` must end up with.
    let tickets: [TicketID: Ticket]
    let replicas: [ReplicaID]
    /// Wall time (Unix ms) just after the last op.
    let end: UInt64

    /// Makes the ops. Time moves 30–90 s (one minute on average) per op.
    static func generate(_ shape: Shape) -> Workload {
        var rng = SplitMix64(seed: shape.seed)
        let replicas = [ReplicaID("central")!] + (1...shape.engineers).map { ReplicaID("e\($0)-tablet")! }
        var makers = replicas.map { OpMaker(clock: HybridClock(replica: $0)) }
        var budgets = ticketBudgets(shape, &rng)[...]
        var open: [TicketScript] = []
        var done: [TicketID: Ticket] = [:]
        var ops: [Op] = []
        ops.reserveCapacity(shape.tickets * shape.opsPerTicket)
        var now = shape.start
        var opened = 0

        func openTicket() {
            guard let budget = budgets.popFirst() else { return }
            opened += 1
            open.append(TicketScript(engineer: 1 + opened % shape.engineers, budget: budget, rng: &rng))
        }
        for _ in 0..<(shape.engineers * shape.openPerEngineer) { openTicket() }

        while !open.isEmpty {
            let i = rng.int(0...(open.count - 1))
            let op: Op
            if open[i].ticket == nil {
                op = makers[TicketScript.central].createTicket(open[i].created(&rng, now: now), now: now)
            } else {
                let (maker, body) = open[i].next(&rng, now: now)
                op = makers[maker].make(body, on: open[i].ticket!.id, now: now)
            }
            open[i].record(op)
            ops.append(op)
            if open[i].isDone {
                done[op.subject] = open[i].ticket!
                open.remove(at: i)
                openTicket()
            }
            now += UInt64(rng.int(30_000...90_000))
        }
        return Workload(shape: shape, ops: ops, tickets: done, replicas: replicas, end: now)
    }

    /// Op counts per ticket: pairs `base + d`, `base - d` with `d` up to 40% of `base`,
    /// shuffled, so they sum to exactly `tickets × opsPerTicket`.
    private static func ticketBudgets(_ shape: Shape, _ rng: inout SplitMix64) -> [Int] {
        let base = shape.opsPerTicket
        var budgets: [Int] = []
        while budgets.count + 1 < shape.tickets {
            let d = rng.int(0...(base * 2 / 5))
            budgets += [base + d, base - d]
        }
        if budgets.count < shape.tickets { budgets.append(base) }
        for i in stride(from: budgets.count - 1, to: 0, by: -1) { budgets.swapAt(i, rng.int(0...i)) }
        return budgets
    }

    /// Share of ops per kind (photos apart from other attachments), most common first.
    var mix: [(label: String, share: Double)] {
        var counts: [String: Int] = [:]
        for op in ops {
            let label =
                switch op.body {
                case .attachmentAdded(let a): "\(a.kind)"
                default: "\(op.body.kind)"
                }
            counts[label, default: 0] += 1
        }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { ($0.key, Double($0.value) / Double(ops.count)) }
    }
}
