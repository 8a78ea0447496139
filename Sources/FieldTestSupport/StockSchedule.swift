import FieldModel

/// Ops made by one replica, a second apart.
public struct StockOpMaker {
    public var maker: OpMaker
    public var now: UInt64
    public init(_ replica: String, now: UInt64) {
        maker = OpMaker(clock: HybridClock(replica: ReplicaID(replica)!))
        self.now = now
    }
    public mutating func make(_ body: OpBody, on subject: EntityID) -> Op {
        now += 1000
        return maker.make(body, on: subject, now: now)
    }
    public mutating func stock(_ body: any EntityOpBody, at location: StockLocation) -> Op {
        make(.entity(EntityOp(body)), on: location.entity)
    }
    /// Sends a transfer: its own entity, named after this op.
    public mutating func send(_ body: StockSent) -> Op {
        let id = StockTransfer.id(sentBy: OpID(replica: maker.replica, counter: maker.nextCounter))
        return make(.entity(EntityOp(body)), on: id)
    }
    public mutating func confirm(_ sent: Op, _ quantity: Quantity) -> Op {
        make(.entity(EntityOp(StockArrived(quantity: quantity))), on: sent.subject)
    }
}

/// Random stock work for order-independence tests of the ledger, in the model and in stores.
public enum StockSchedule {
    /// A random day of stock work: receipts, transfers and returns between a warehouse and
    /// two vans, receipts of some transfers (short or not), write-offs, counts, part lines
    /// on tickets and removals of some of them, by three replicas.
    public static func random(seed: UInt64) -> [Op] {
        var rng = SeededRandom(seed: seed)
        let locations = ["warehouse:W1", "van:E1", "van:E2", "depot:north"].map { StockLocation($0)! }
        let parts = ["P1", "P2", "P3"]
        var makers = ["node-aa11", "e1-tab", "e2-tab"].map { StockOpMaker($0, now: 1_795_424_400_000) }
        var ops: [Op] = []
        var sent: [Op] = []
        var lines: [Op] = []
        for _ in 0..<(30 + Int.random(in: 0..<50, using: &rng)) {
            let m = Int.random(in: 0..<makers.count, using: &rng)
            let at = locations.randomElement(using: &rng)!
            let part = parts.randomElement(using: &rng)!
            let q = Quantity(thousandths: Int64.random(in: 1...20_000, using: &rng))
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: ops.append(makers[m].stock(StockReceived(part: part, quantity: q), at: at))
            case 1:
                var to = locations.randomElement(using: &rng)!
                if to == at { to = locations[0] == at ? locations[1] : locations[0] }
                let body = StockSent(part: part, quantity: q, from: at, to: to, purpose: Bool.random(using: &rng) ? .transfer : .return)
                let op = makers[m].send(body)
                ops.append(op)
                sent.append(op)
            case 2:
                guard let op = sent.randomElement(using: &rng) else { continue }
                ops.append(makers[m].confirm(op, Quantity(thousandths: Int64.random(in: 0...20_000, using: &rng))))
            case 3: ops.append(makers[m].stock(StockWrittenOff(part: part, quantity: q, reason: "broken"), at: at))
            case 4: ops.append(makers[m].stock(StockCounted(part: part, quantity: q, at: makers[m].now), at: at))
            case 5, 6:
                let ticket = EntityID("T\(Int.random(in: 1...4, using: &rng))-node-aa11")!
                let op = makers[m].make(.partAdded(PartLine(partNumber: part, quantity: q, location: at.description)), on: ticket)
                ops.append(op)
                lines.append(op)
            default:
                guard let line = lines.randomElement(using: &rng) else { continue }
                // Now and then a removal on another ticket: it names no line there.
                let on = Int.random(in: 0..<3, using: &rng) == 0 ? EntityID("T\(Int.random(in: 1...4, using: &rng))-node-aa11")! : line.subject
                ops.append(makers[m].make(.partRemoved(PartRemoval(line: line.id)), on: on))
            }
        }
        return ops
    }
}
