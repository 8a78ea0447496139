import FieldModel
import FieldStore
import Testing

/// Stock on both backends (M7): central's movements and engineers' pushes give the same
/// ledger; a van's engineer, and no other, gets the transfers to their van; a push moving
/// stock a principal does not own is refused whole.
@Suite struct StockConformanceTests {
    typealias F = SyncFixtures
    typealias A = ArticleFixtures

    static let w1 = StockLocation("warehouse:W1")!
    static let van17 = StockLocation("van:E17")!

    static func stockOp(_ replica: ReplicaID, _ counter: UInt64, on subject: EntityID, _ body: any EntityOpBody) -> Op {
        Op(id: OpID(replica: replica, counter: counter), wallMillis: F.now + counter * 1_000, logical: 0, subject: subject, body: .entity(EntityOp(body)))
    }

    @Test(arguments: Backend.allCases)
    func aVanDayGivesTheSameLedgerOnBothBackends(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let made = try await store.writeAsCentral(
                [
                    .createTicket(CentralWriteConformanceTests.created(assignee: "E17", model: "Chiller X2", fault: "E21")),
                    .onEntity(Self.w1.entity, StockReceived(part: "CAP", quantity: Quantity(40))),
                    .sendStock(StockSent(part: "CAP", quantity: Quantity(10), from: Self.w1, to: Self.van17), arrived: nil),
                ], now: F.now)
            let ticket = made[0].subject
            let transfer = made[2].subject
            #expect(transfer == StockTransfer.id(sentBy: made[2].id))

            // The van's engineer gets the transfer and their ticket; the other engineer neither.
            let e17 = try await A.pull(store, F.e17, as: F.tab17, atLeast: 2)
            #expect(e17.ids == [made[0].id, made[2].id])
            let e18 = try await A.pull(store, F.e18, as: F.tab18, atLeast: 0)
            #expect(e18.ids.isEmpty)

            // E17 confirms 9, uses 3 on the ticket (and 2 more, removed), counts 5.
            let arrived = Self.stockOp(F.tab17, 1, on: transfer, StockArrived(quantity: Quantity(9)))
            let used = F.op(F.tab17, 2, on: ticket.rawValue, .partAdded(PartLine(partNumber: "CAP", quantity: Quantity(3), location: "van:E17")))
            let wrong = F.op(F.tab17, 3, on: ticket.rawValue, .partAdded(PartLine(partNumber: "CAP", quantity: Quantity(2), location: "van:E17")))
            let removed = F.op(F.tab17, 4, on: ticket.rawValue, .partRemoved(PartRemoval(line: wrong.id)))
            let counted = Self.stockOp(F.tab17, 5, on: Self.van17.entity, StockCounted(part: "CAP", quantity: Quantity(5), at: F.now + 10_000))
            let result = try await F.ingest(store, [arrived, used, wrong, removed, counted], from: F.e17, replica: F.tab17)
            #expect(result.quarantined.isEmpty && result.acked[F.tab17] == 5)

            let before = try await store.stockLines(location: nil, part: nil, since: nil)
            let van = try #require(before.first { $0.key.location == Self.van17 })
            #expect(van.transferredIn == Quantity(9) && van.consumed == Quantity(3) && van.consumedBy == [ticket: Quantity(3)])
            #expect(van.expected == Quantity(6) && van.lastCount?.quantity == Quantity(5) && van.discrepancy == Quantity(-1))
            let warehouse = try #require(before.first { $0.key.location == Self.w1 })
            #expect(warehouse.received == Quantity(40) && warehouse.transferredOut == Quantity(10) && warehouse.expected == Quantity(30))
            #expect(try await store.stockDisputes().map(\.missing) == [Quantity(1)])
            #expect(try await store.stockConsumption(from: F.now, to: F.now + 3_600_000).map(\.quantity) == [Quantity(3)])
            #expect(try await store.stockConsumption(from: F.now + 3_600_000, to: .max).isEmpty)

            // Refused whole: E17 sending out of the warehouse, E18 confirming E17's delivery,
            // a dispatcher writing off; nothing changes.
            let fromWarehouse = Self.stockOp(
                F.tab17, 6, on: StockTransfer.id(sentBy: OpID(replica: F.tab17, counter: 6)),
                StockSent(part: "CAP", quantity: Quantity(30), from: Self.w1, to: Self.van17))
            #expect(await F.refusal { try await F.ingest(store, [fromWarehouse], from: F.e17, replica: F.tab17) } == .forbidden)
            let notTheirs = Self.stockOp(F.tab18, 1, on: transfer, StockArrived(quantity: Quantity(10)))
            #expect(await F.refusal { try await F.ingest(store, [notTheirs], from: F.e18, replica: F.tab18) } == .forbidden)
            let desk = Self.stockOp(F.desk, 1, on: Self.w1.entity, StockWrittenOff(part: "CAP", quantity: Quantity(1), reason: "lost"))
            #expect(await F.refusal { try await F.ingest(store, [desk], from: F.dispatcher, replica: F.desk) } == .forbidden)
            // Ticket ops on a location's stock (a part line to wipe its postings, an
            // assignment to see another van) are no ops at all; a count from year 9999 would
            // stay the latest for good; a return out of the warehouse into one's own van is a
            // move out of a location one does not own.
            let onWarehouse = F.op(F.tab17, 6, on: Self.w1.entity.rawValue, .partAdded(PartLine(partNumber: "CAP", quantity: Quantity(1), location: "van:E17")))
            let seeE18 = F.assign(F.tab17, 6, "stock:van:E18", to: "E17", replacing: [])
            let future = Self.stockOp(F.tab17, 6, on: Self.van17.entity, StockCounted(part: "CAP", quantity: Quantity(0), at: 253_402_300_799_000))
            for op in [onWarehouse, seeE18, future] {
                #expect(await F.refusal { try await F.ingest(store, [op], from: F.e17, replica: F.tab17) } == .invalidOp, "\(op.body)")
            }
            let grab = Self.stockOp(
                F.tab17, 6, on: StockTransfer.id(sentBy: OpID(replica: F.tab17, counter: 6)),
                StockSent(part: "CAP", quantity: Quantity(30), from: Self.w1, to: Self.van17, purpose: .return))
            #expect(await F.refusal { try await F.ingest(store, [grab], from: F.e17, replica: F.tab17) } == .forbidden)
            // An op of a kind this version does not know, on another van's stock: quarantined, never served to E17.
            let unknown = Op(
                id: OpID(replica: F.tab17, counter: 6), wallMillis: F.now + 6_000, logical: 0, subject: StockLocation("van:E18")!.entity,
                body: .unknown(UnknownOp(kind: OpKind(rawValue: 99), payload: [1, 2, 3])))
            let kept = try await F.ingest(store, [unknown], from: F.e17, replica: F.tab17)
            #expect(kept.quarantined == [unknown.id])
            #expect(try await store.stockLines(location: nil, part: nil, since: nil) == before)
            #expect(try await store.held(of: [F.tab17, F.tab18, F.desk]) == [F.tab17: 6, F.tab18: 0, F.desk: 0])
        }
    }
}
