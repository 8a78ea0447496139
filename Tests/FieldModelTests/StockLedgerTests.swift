import FieldModel
import FieldTestSupport
import Testing

/// The stock ledger (M7): movements and the tickets' part lines add up to what every
/// location should hold, whatever order the ops arrive in; counts are reconciled at
/// their time; nothing hostile traps or is taken.
@Suite struct StockLedgerTests {
    let t0: UInt64 = 1_795_424_400_000
    let warehouse = StockLocation("warehouse:W1")!
    let van = StockLocation("van:E17")!

    typealias Maker = StockOpMaker

    func ledger(_ ops: [Op]) -> StockLedger {
        var l = StockLedger()
        for op in ops { l.apply(op) }
        return l
    }

    @Test("issue 25's van: 10 issued, 7 consumed less a removed line of 2, 2 returned, counted 2: 1 missing, the tickets listed")
    func vanScenario() throws {
        var central = Maker("node-3fa91c2b", now: t0)
        var tablet = Maker("e17-1a2b", now: t0 + 60_000)
        let t1 = EntityID("T1-node-3fa91c2b")!
        let t2 = EntityID("T2-node-3fa91c2b")!
        var ops: [Op] = []
        ops.append(central.stock(StockReceived(part: "CAP-35UF", quantity: Quantity(10)), at: warehouse))
        let sent = central.send(StockSent(part: "CAP-35UF", quantity: Quantity(10), from: warehouse, to: van))
        ops.append(sent)
        ops.append(tablet.confirm(sent, Quantity(10)))
        ops.append(tablet.make(.partAdded(PartLine(partNumber: "CAP-35UF", quantity: Quantity(5), location: "van:E17")), on: t1))
        let two = tablet.make(.partAdded(PartLine(partNumber: "CAP-35UF", quantity: Quantity(2), location: "van:E17")), on: t2)
        ops.append(two)
        ops.append(tablet.make(.partRemoved(PartRemoval(line: two.id)), on: t2))
        ops.append(tablet.send(StockSent(part: "CAP-35UF", quantity: Quantity(2), from: van, to: warehouse, purpose: .return)))
        ops.append(tablet.stock(StockCounted(part: "CAP-35UF", quantity: Quantity(2), at: tablet.now + 1000), at: van))

        let line = ledger(ops).line(StockLedger.Key(location: van, part: "CAP-35UF"))
        #expect(line.transferredIn == Quantity(10))
        #expect(line.consumed == Quantity(5))
        #expect(line.consumedBy == [t1: Quantity(5)])
        #expect(line.returned == Quantity(2))
        #expect(line.expected == Quantity(3))
        #expect(line.lastCount?.quantity == Quantity(2))
        #expect(line.discrepancy == Quantity(-1))
        #expect(!line.isNegative && line.late.isEmpty)
        // The return is on its way to the warehouse until it confirms it.
        let depotLine = ledger(ops).line(StockLedger.Key(location: warehouse, part: "CAP-35UF"))
        #expect(depotLine.expected == Quantity(0) && depotLine.inTransit == Quantity(2))
    }

    @Test("a transfer received short: sent 10, 9 arrive, 1 in dispute; until then all 10 in transit")
    func shortReceipt() throws {
        var central = Maker("node-3fa91c2b", now: t0)
        var tablet = Maker("e17-1a2b", now: t0 + 60_000)
        let sent = central.send(StockSent(part: "FILTER-9", quantity: Quantity(10), from: warehouse, to: van))
        #expect(sent.subject == EntityID("transfer:X1-node-3fa91c2b"))
        var l = ledger([sent])
        #expect(l.transfers[sent.subject]?.inTransit == true)
        #expect(l.line(StockLedger.Key(location: van, part: "FILTER-9")).inTransit == Quantity(10))
        l.apply(tablet.confirm(sent, Quantity(9)))
        let t = try #require(l.transfers[sent.subject])
        #expect(!t.inTransit && t.inDispute == Quantity(1))
        #expect(l.line(StockLedger.Key(location: van, part: "FILTER-9")).expected == Quantity(9))
        #expect(l.line(StockLedger.Key(location: warehouse, part: "FILTER-9")).expected == Quantity(-10))
        #expect(l.line(StockLedger.Key(location: warehouse, part: "FILTER-9")).isNegative)
    }

    @Test("a movement stamped before a count that arrives after it is late, and the discrepancy counts it")
    func lateMovement() throws {
        var tablet = Maker("e17-1a2b", now: t0)
        var central = Maker("node-3fa91c2b", now: t0)
        let received = central.stock(StockReceived(part: "BELT-2", quantity: Quantity(4)), at: van)
        let counted = tablet.stock(StockCounted(part: "BELT-2", quantity: Quantity(4), at: t0 + 3_600_000), at: van)
        let early = tablet.make(.partAdded(PartLine(partNumber: "BELT-2", quantity: Quantity(1), location: "van:E17")), on: EntityID("T9-x")!)
        var l = StockLedger()
        l.apply(received, arrival: 1)
        l.apply(counted, arrival: 2)
        let before = l.line(StockLedger.Key(location: van, part: "BELT-2"))
        #expect(before.discrepancy == Quantity(0) && before.late.isEmpty)
        l.apply(early, arrival: 3)
        let after = l.line(StockLedger.Key(location: van, part: "BELT-2"))
        #expect(after.late == [early.id])
        #expect(after.expectedAtCount == Quantity(3) && after.discrepancy == Quantity(1))
    }

    // MARK: Order independence

    static func schedule(seed: UInt64) -> [Op] { StockSchedule.random(seed: seed) }

    @Test("any order of the same movements and part lines, with duplicates, gives the same ledger, and the same as from the replica's state")
    func orderIndependent() {
        for seed in 1...UInt64(400) {
            let ops = Self.schedule(seed: seed)
            let reference = ledger(ops)
            var rng = SeededRandom(seed: seed ^ 0x5EED)
            for _ in 0..<3 {
                var delivery = ops + ops.filter { _ in Int.random(in: 0..<4, using: &rng) == 0 }
                delivery.shuffle(using: &rng)
                let other = ledger(delivery)
                let same = other == reference && other.lines() == reference.lines()
                #expect(same, "seed \(seed): another delivery order gave another ledger")
                if !same { return }
            }
            var state = ReplicaState()
            state.apply(contentsOf: ops.reversed())
            let derived = StockLedger(
                stock: state.entities(Stock.self).values, transfers: state.entities(StockTransfer.self).values, tickets: state.tickets.values)
            #expect(derived.lines() == reference.lines(), "seed \(seed): the ledger from the replica's state differs")
            // Every key adds up: expected = in − out − consumed − written off.
            for line in reference.lines() {
                let sum = line.received.thousandths + line.transferredIn.thousandths - line.transferredOut.thousandths
                    - line.returned.thousandths - line.consumed.thousandths - line.writtenOff.thousandths
                #expect(line.expected.thousandths == sum, "seed \(seed): \(line.key) does not add up")
            }
        }
    }

    @Test("a kept line taking one more posting at a time equals the line derived from all of them, counts and late movements included")
    func incrementalLineEqualsDerived() throws {
        let key = StockLedger.Key(location: van, part: "P1")
        let replica = try #require(ReplicaID("e17-tab"))
        let kinds = StockLedger.Posting.Kind.allCases
        var fallbacks = 0
        for seed in 1...UInt64(300) {
            var rng = SeededRandom(seed: seed)
            var held: [(posting: StockLedger.Posting, arrival: Int64)] = []
            var kept = StockLedger.Line(key: key)
            for i in 0..<40 {
                let kind = kinds[Int.random(in: 0..<kinds.count, using: &rng)]
                let posting = StockLedger.Posting(
                    key: key, id: OpID(replica: replica, counter: UInt64(i + 1)), kind: kind,
                    quantity: Quantity(Int64.random(in: 1...10, using: &rng)),
                    // Stamps in any order against arrival: some land before a count that came first.
                    at: t0 + UInt64.random(in: 0..<60, using: &rng) * 1000,
                    ticket: kind == .consumed ? EntityID("T\(Int.random(in: 1...3, using: &rng))-e17") : nil)
                let arrival = Int64(i + 1)
                let countArrival = kept.lastCount.flatMap { c in held.first { $0.posting.id == c.id }?.arrival }
                held.append((posting, arrival))
                let derived = StockLedger.line(key, postings: held, inTransit: [])
                if !kept.add(posting, arrival: arrival, countArrival: countArrival) {
                    fallbacks += 1
                    kept = derived
                }
                #expect(kept == derived, "seed \(seed), posting \(i) (\(kind)): the kept line differs from the derived one")
                if kept != derived { return }
            }
        }
        // Only a count later than the line's own needs every posting.
        #expect(fallbacks > 0)
    }

    // MARK: Hostile input

    @Test("movements the model refuses: zero, negative and huge quantities, bad part numbers, a write-off without a reason")
    func refusals() {
        let bad: [any EntityOpBody] = [
            StockReceived(part: "P1", quantity: Quantity(0)),
            StockReceived(part: "P1", quantity: Quantity(-5)),
            StockReceived(part: "P1", quantity: Quantity(thousandths: .max)),
            StockReceived(part: "P1", quantity: Quantity(1_000_000_001)),
            StockReceived(part: "", quantity: Quantity(1)),
            StockReceived(part: "P 1", quantity: Quantity(1)),
            StockReceived(part: "P\u{7}", quantity: Quantity(1)),
            StockReceived(part: String(repeating: "P", count: 129), quantity: Quantity(1)),
            StockSent(part: "P1", quantity: Quantity(thousandths: .min), from: warehouse, to: van),
            StockSent(part: "P1", quantity: Quantity(1), from: van, to: van),
            StockArrived(quantity: Quantity(-1)),
            StockArrived(quantity: Quantity(1_000_000_001)),
            StockWrittenOff(part: "P1", quantity: Quantity(1), reason: ""),
            StockCounted(part: "P1", quantity: Quantity(-1), at: t0),
        ]
        for body in bad {
            #expect(throws: ModelError.self, "\(body)") { try body.validate() }
        }
        #expect(throws: Never.self) { try StockArrived(quantity: Quantity(0)).validate() }
        #expect(throws: Never.self) { try StockCounted(part: "P1", quantity: Quantity(0), at: 0).validate() }
    }

    @Test("location names: the three kinds and a name; anything else is no location")
    func locations() throws {
        #expect(StockLocation("van:E17")?.entity == EntityID("stock:van:E17"))
        #expect(StockLocation(entity: EntityID("stock:depot:north")!) == StockLocation("depot:north"))
        for bad in ["", "van", "van:", "truck:E1", "VAN:E1", "van:E 17", "van:\u{0}", "van:" + String(repeating: "x", count: 65), ":E1"] {
            #expect(StockLocation(bad) == nil, "\(bad)")
        }
        #expect(StockLocation(entity: EntityID("article:van:E1")!) == nil)
        #expect(StockLocation(entity: EntityID("stock:truck:E1")!) == nil)
        // A part line whose location is free text stays out of the ledger, counted apart.
        var m = Maker("e17-1a2b", now: t0)
        let free = m.make(.partAdded(PartLine(partNumber: "P1", quantity: Quantity(1), location: "the blue van")), on: EntityID("T1-x")!)
        let l = ledger([free])
        #expect(l.keys.isEmpty && l.unlocatedLines == [free.id])
    }

    @Test("sums saturate instead of trapping on a hostile ledger")
    func saturates() {
        var m = Maker("node-aa11", now: t0)
        // Past validation's cap, as a damaged or hostile store could hold them.
        let ops = (0..<20).map { _ in m.stock(StockReceived(part: "P1", quantity: Quantity(thousandths: .max / 4)), at: warehouse) }
        let line = ledger(ops).line(StockLedger.Key(location: warehouse, part: "P1"))
        #expect(line.expected.thousandths == .max)
    }

    @Test("a removal on another ticket takes back nothing: the ledger agrees with the tickets")
    func removalOnAnotherTicket() {
        var tablet = Maker("e17-1a2b", now: t0)
        let line = tablet.make(.partAdded(PartLine(partNumber: "P1", quantity: Quantity(3), location: "van:E17")), on: EntityID("T1-x")!)
        let stray = tablet.make(.partRemoved(PartRemoval(line: line.id)), on: EntityID("T2-x")!)
        for order in [[line, stray], [stray, line]] {
            #expect(ledger(order).line(StockLedger.Key(location: van, part: "P1")).consumed == Quantity(3))
        }
    }

    @Test("hostile part lines and counts at the bounds neither trap nor wrap")
    func boundsDoNotTrap() {
        var tablet = Maker("e17-1a2b", now: t0)
        // Part lines have no upper bound in the model: two of Int64.max thousandths.
        var ops = (0..<2).map { _ in
            tablet.make(.partAdded(PartLine(partNumber: "P1", quantity: Quantity(thousandths: .max), location: "van:E17")), on: EntityID("T1-x")!)
        }
        ops.append(tablet.stock(StockCounted(part: "P1", quantity: Quantity(thousandths: .max), at: tablet.now + 1000), at: van))
        let line = ledger(ops).line(StockLedger.Key(location: van, part: "P1"))
        #expect(line.expected.thousandths == .min + 1 || line.expected.thousandths == .min)
        #expect(line.discrepancy?.thousandths == .max)
        #expect(line.isNegative)
    }

    @Test("a movement must be on its own entity: a sending names its transfer, receipts and counts a location")
    func subjects() throws {
        var central = Maker("node-3fa91c2b", now: t0)
        let good = central.send(StockSent(part: "P1", quantity: Quantity(1), from: warehouse, to: van))
        #expect(throws: Never.self) { try good.validate() }
        // Another op claiming that transfer: refused, and the transfer ignores it anyway.
        let takeover = central.make(.entity(EntityOp(StockSent(part: "P1", quantity: Quantity(99), from: van, to: warehouse))), on: good.subject)
        #expect(throws: ModelError.self) { try takeover.validate() }
        var t = StockTransfer(id: good.subject)
        t.apply(takeover)
        t.apply(good)
        #expect(t.sent?.op == good.id && t.sent?.body.quantity == Quantity(1))
        let misplaced = [
            central.make(.entity(EntityOp(StockReceived(part: "P1", quantity: Quantity(1)))), on: good.subject),
            central.make(.entity(EntityOp(StockCounted(part: "P1", quantity: Quantity(1), at: t0))), on: EntityID("T1-x")!),
            central.make(.entity(EntityOp(StockArrived(quantity: Quantity(1)))), on: van.entity),
        ]
        for op in misplaced { #expect(throws: ModelError.self, "\(op.body)") { try op.validate() } }
        // Names with whitespace or control characters of any script.
        for bad in ["P\u{00A0}1", "P\u{2028}1", "P\u{85}1", "P\u{200B}1"] {
            #expect(throws: ModelError.self, "\(bad.unicodeScalars.map(\.value))") { try StockReceived(part: bad, quantity: Quantity(1)).validate() }
            #expect(StockLocation(.van, bad) == nil)
        }
        #expect(StockCounted(part: "P1", quantity: Quantity(1), at: t0 + 1_999).at == t0 + 1_000)
    }

    @Test("a restored replica's moved sending renames its transfer, and the confirmation follows")
    func renumbering() {
        var old = Maker("e17-1a2b", now: t0)
        let sent = old.send(StockSent(part: "P1", quantity: Quantity(2), from: van, to: warehouse, purpose: .return))
        let confirmed = old.confirm(sent, Quantity(2))
        var renumbering = OpRenumbering()
        var maker = OpMaker(clock: HybridClock(replica: ReplicaID("e17-1a2b")!), nextCounter: 50)
        let movedSent = renumbering.move(sent, with: &maker)
        let movedConfirmed = renumbering.move(confirmed, with: &maker)
        #expect(movedSent.id.counter == 50 && movedSent.subject == StockTransfer.id(sentBy: movedSent.id))
        #expect(movedConfirmed.subject == movedSent.subject)
        #expect(throws: Never.self) { try movedSent.validate() }
        let l = ledger([movedSent, movedConfirmed])
        #expect(l.line(StockLedger.Key(location: warehouse, part: "P1")).transferredIn == Quantity(2))
    }

    @Test("who may move what: a van is its engineer's, a site its principal's, a van's return the counter's too; a dispatcher nothing")
    func authority() throws {
        let w1 = StockLocation("warehouse:W1")!
        let d1 = StockLocation("depot:W1")!
        let van18 = StockLocation("van:E18")!
        let t = EntityID("transfer:X1-node-aa11")!
        func allowed(_ body: any EntityOpBody, on subject: EntityID, by actor: StockActor, transfer: StockTransfer? = nil) -> Bool {
            (try? StockAuthority.check(body, on: subject, by: actor, transfer: transfer)) != nil
        }
        let receipt = StockReceived(part: "P", quantity: Quantity(1))
        #expect(allowed(receipt, on: van.entity, by: .engineer("E17")))
        #expect(!allowed(receipt, on: van.entity, by: .engineer("E18")))
        #expect(!allowed(receipt, on: van.entity, by: .engineer("e17")), "names are exact")
        #expect(allowed(receipt, on: w1.entity, by: .site("W1")) && allowed(receipt, on: d1.entity, by: .site("W1")))
        #expect(!allowed(receipt, on: w1.entity, by: .site("W2")) && !allowed(receipt, on: w1.entity, by: .engineer("W1")))
        #expect(!allowed(receipt, on: van.entity, by: .site("E17")), "a site named like an engineer owns no van")
        #expect(!allowed(receipt, on: w1.entity, by: .nobody) && allowed(receipt, on: w1.entity, by: .central))
        let issue = StockSent(part: "P", quantity: Quantity(1), from: w1, to: van)
        #expect(allowed(issue, on: t, by: .site("W1")) && !allowed(issue, on: t, by: .engineer("E17")))
        let back = StockSent(part: "P", quantity: Quantity(1), from: van, to: w1, purpose: .return)
        #expect(allowed(back, on: t, by: .engineer("E17")) && allowed(back, on: t, by: .site("W1")))
        #expect(!allowed(back, on: t, by: .engineer("E18")) && !allowed(back, on: t, by: .site("W2")))
        // A "return" never takes from a site, nor from one van into another.
        #expect(!allowed(StockSent(part: "P", quantity: Quantity(1), from: w1, to: van, purpose: .return), on: t, by: .engineer("E17")))
        #expect(!allowed(StockSent(part: "P", quantity: Quantity(1), from: van18, to: van, purpose: .return), on: t, by: .engineer("E17")))
        #expect(!allowed(StockSent(part: "P", quantity: Quantity(1), from: w1, to: d1, purpose: .return), on: t, by: .site("W2")))
        // A confirmation: by the destination's owner, of a transfer held.
        var m = Maker("node-aa11", now: t0)
        var sent = StockTransfer(id: t)
        let sending = m.send(issue)
        sent = StockTransfer(id: sending.subject)
        sent.apply(sending)
        let arrived = StockArrived(quantity: Quantity(1))
        #expect(allowed(arrived, on: sent.id, by: .engineer("E17"), transfer: sent))
        #expect(!allowed(arrived, on: sent.id, by: .engineer("E18"), transfer: sent) && !allowed(arrived, on: sent.id, by: .site("W1"), transfer: sent))
        #expect(!allowed(arrived, on: sent.id, by: .engineer("E17"), transfer: nil))
    }
}
