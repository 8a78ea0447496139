import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import Testing

/// The stock ledger a replica store keeps (M7): SQL sums over kept postings give the same
/// lines as the model's ledger over the same ops, in any delivery order.
@Suite struct StockRowsTests {
    let t0: UInt64 = 1_795_424_400_000

    /// The model's ledger of `delivery`, each op arriving where it first appears (as the
    /// store's log positions run).
    func modelLedger(_ delivery: [Op]) -> StockLedger {
        var ledger = StockLedger()
        var arrival: [OpID: Int64] = [:]
        for op in delivery where arrival[op.id] == nil { arrival[op.id] = Int64(arrival.count + 1) }
        for op in delivery { ledger.apply(op, arrival: arrival[op.id]) }
        return ledger
    }

    @Test("random movements and part lines delivered in random batches, orders and duplicates: the store's lines are the model's, filtered and from a date too")
    func sameAsTheModel() throws {
        for seed in 1...UInt64(40) {
            let ops = StockSchedule.random(seed: seed)
            var rng = SeededRandom(seed: seed ^ 0xC0FFEE)
            var delivery = ops + ops.filter { _ in Int.random(in: 0..<4, using: &rng) == 0 }
            delivery.shuffle(using: &rng)
            let replica = try TempReplica(engineer: "central", replica: "node-zz99")
            var rest = delivery[...]
            while !rest.isEmpty {
                let n = Int.random(in: 1...8, using: &rng)
                try replica.store.apply(Array(rest.prefix(n)), now: t0 + 10_000_000)
                rest = rest.dropFirst(n)
            }
            let model = modelLedger(delivery)
            let stored = try replica.store.stockLines()
            #expect(stored == model.lines(), "seed \(seed): the store's ledger differs from the model's")
            if stored != model.lines() { return }
            let since = t0 + 20_000
            #expect(try replica.store.stockLines(since: since) == model.lines(since: since), "seed \(seed): from a date")
            let van = StockLocation("van:E1")!
            #expect(try replica.store.stockLines(location: van, part: "P2") == model.lines(location: van, part: "P2"), "seed \(seed): one key")
        }
    }

    @Test("issue 25's van in a store: consumption follows the tickets' lines, a removed line un-consumes, the count is reconciled")
    func vanScenario() throws {
        let replica = try TempReplica(engineer: "central", replica: "node-zz99")
        var warehouse = StockOpMaker("node-3fa91c2b", now: t0)
        var tablet = StockOpMaker("e17-1a2b", now: t0 + 60_000)
        let w1 = StockLocation("warehouse:W1")!
        let van = StockLocation("van:E17")!
        let sent = warehouse.send(StockSent(part: "CAP-35UF", quantity: Quantity(10), from: w1, to: van))
        try replica.store.apply([warehouse.stock(StockReceived(part: "CAP-35UF", quantity: Quantity(10)), at: w1), sent], now: t0)
        let key = StockLedger.Key(location: van, part: "CAP-35UF")
        #expect(try replica.store.stockLines(location: van).first?.inTransit == Quantity(10))
        try replica.store.apply([tablet.confirm(sent, Quantity(10))], now: t0)
        let t1 = EntityID("T1-node-3fa91c2b")!
        let t2 = EntityID("T2-node-3fa91c2b")!
        let two = tablet.make(.partAdded(PartLine(partNumber: "CAP-35UF", quantity: Quantity(2), location: "van:E17")), on: t2)
        try replica.store.apply(
            [tablet.make(.partAdded(PartLine(partNumber: "CAP-35UF", quantity: Quantity(5), location: "van:E17")), on: t1), two], now: t0)
        #expect(try replica.store.stockLines(location: van).first?.consumedBy == [t1: Quantity(5), t2: Quantity(2)])
        try replica.store.apply([tablet.make(.partRemoved(PartRemoval(line: two.id)), on: t2)], now: t0)
        try replica.store.apply(
            [
                tablet.send(StockSent(part: "CAP-35UF", quantity: Quantity(2), from: van, to: w1, purpose: .return)),
                tablet.stock(StockCounted(part: "CAP-35UF", quantity: Quantity(2), at: tablet.now + 1000), at: van),
            ], now: t0)
        let line = try #require(try replica.store.stockLines(location: van, part: "CAP-35UF").first)
        #expect(line.key == key)
        #expect(line.transferredIn == Quantity(10) && line.consumed == Quantity(5) && line.returned == Quantity(2))
        #expect(line.consumedBy == [t1: Quantity(5)])
        #expect(line.expected == Quantity(3) && line.lastCount?.quantity == Quantity(2) && line.discrepancy == Quantity(-1))
    }

    @Test("hostile part lines of Int64.max thousandths do not stop the report: sums clamp as the model's saturate")
    func hostileSums() throws {
        let replica = try TempReplica(engineer: "central", replica: "node-zz99")
        var tablet = StockOpMaker("e17-1a2b", now: t0)
        let ops = (0..<3).map { _ in
            tablet.make(.partAdded(PartLine(partNumber: "P1", quantity: Quantity(thousandths: .max), location: "van:E17")), on: EntityID("T1-x")!)
        }
        try replica.store.apply(ops, now: t0)
        let line = try #require(try replica.store.stockLines().first)
        #expect(line.consumed.thousandths == .max)
        #expect(line.expected.thousandths == .min)
        #expect(line.isNegative)
    }

    @Test("a ticket that leaves the device keeps the engineer's own part lines in the van's ledger: the parts are still gone from the van")
    func ownConsumptionOutlivesTheTicket() throws {
        let device = try TempReplica(engineer: "E17", replica: "e17-test")
        var central = StockOpMaker("node-3fa91c2b", now: t0)
        let ticket = EntityID("T1-node-3fa91c2b")!
        let created = central.make(.ticketCreated(TicketCreated(customer: "Acme", site: "P3", deviceModel: "X2", category: "repair", fault: "trips", assignee: "E17", at: t0)), on: ticket)
        try device.store.apply([created], now: t0)
        _ = try device.store.edit(now: t0 + 5000) { edit in
            try edit.record(.partAdded(PartLine(partNumber: "CAP", quantity: Quantity(2), location: "van:E17")), on: ticket)
        }
        // Someone else's line on the same ticket, pulled: it leaves with the ticket.
        var other = StockOpMaker("e18-tab", now: t0 + 6000)
        try device.store.apply([other.make(.partAdded(PartLine(partNumber: "CAP", quantity: Quantity(1), location: "van:E17")), on: ticket)], now: t0)
        #expect(try device.store.stockLines().first?.consumed == Quantity(3))
        try device.store.commitSyncPage([], left: [ticket], state: SyncState(cursor: [], acked: 0, clockOffset: 0), now: t0)
        #expect(try device.store.tickets().isEmpty)
        let line = try #require(try device.store.stockLines().first)
        #expect(line.consumed == Quantity(2) && line.consumedBy == [ticket: Quantity(2)])
    }
}
