import FieldModel
import FieldTestSupport
import FieldWire
import Testing

/// The stock movements (kinds 10–14) on the wire: every field survives a batch and the
/// self-contained payload; hostile payloads are refused, never a crash.
@Suite struct StockWireTests {
    let t0: UInt64 = 1_795_424_400_000

    func op(_ c: UInt64, _ body: any EntityOpBody, at location: String = "van:E17") -> Op {
        Op(id: OpID(replica: ReplicaID("e17-1a2b")!, counter: c), wallMillis: t0 + c * 1000, logical: 0,
           subject: StockLocation(location)!.entity, body: .entity(EntityOp(body)))
    }

    func transfer(_ c: UInt64, _ body: any EntityOpBody) -> Op {
        Op(id: OpID(replica: ReplicaID("e17-1a2b")!, counter: c), wallMillis: t0 + c * 1000, logical: 0,
           subject: StockTransfer.id(sentBy: OpID(replica: ReplicaID("e17-1a2b")!, counter: 2)), body: .entity(EntityOp(body)))
    }

    @Test("the five movements round-trip through a push and the stored payload, hostile quantities included")
    func roundTrip() throws {
        let warehouse = StockLocation("warehouse:W1")!
        let ops = [
            op(1, StockReceived(part: "CAP-35UF", quantity: Quantity(thousandths: 1500), reference: "DN-2207 风扇"), at: "warehouse:W1"),
            transfer(2, StockSent(part: "CAP-35UF", quantity: Quantity(10), from: warehouse, to: StockLocation("van:E17")!)),
            transfer(3, StockSent(part: "CAP-35UF", quantity: Quantity(2), from: StockLocation("van:E17")!, to: warehouse, purpose: .return)),
            transfer(4, StockArrived(quantity: Quantity(0))),
            op(5, StockWrittenOff(part: "CAP-35UF", quantity: Quantity(1), reason: "cracked casing")),
            op(6, StockCounted(part: "CAP-35UF", quantity: Quantity(2), at: t0 + 7_200_000)),
            // Decodable, refused by the model later: the wire carries any 64-bit value.
            op(7, StockReceived(part: "P", quantity: Quantity(thousandths: .min))),
            op(8, StockCounted(part: "P", quantity: Quantity(thousandths: .max), at: 0)),
        ]
        let decoded = try Frame.decode(Frame.encode([.push(Push(ops: ops))]))
        guard case .push(let p) = decoded.first else { Issue.record("no push"); return }
        #expect(p.ops == ops)
        for o in ops {
            #expect(try OpPayloadCodec.decode(kind: o.body.kind, payload: OpPayloadCodec.encode(o.body)) == o.body)
        }
        #expect(ops.map(\.body.kind.rawValue) == [10, 11, 11, 12, 13, 14, 10, 14])
    }

    @Test("hostile stock payloads are refused with malformed or truncated, never a crash")
    func hostile() throws {
        func payload(_ body: any EntityOpBody) -> [UInt8] { OpPayloadCodec.encode(.entity(EntityOp(body))) }
        let sent = payload(StockSent(part: "P1", quantity: Quantity(1), from: StockLocation("warehouse:W1")!, to: StockLocation("van:E1")!))
        var badPurpose = sent
        badPurpose[badPurpose.count - 1] = 0x02
        let cases: [(OpKind, [UInt8])] = [
            (StockReceived.opKind, []),
            (StockSent.opKind, Array(sent.dropLast())),
            (StockSent.opKind, badPurpose),
            // A source that is no location: "truck:E1".
            (StockSent.opKind, [0x02, 0x50, 0x31, 0x02, 0x08] + Array("truck:E1".utf8) + [0x06] + Array("van:E1".utf8) + [0x00]),
            (StockArrived.opKind, []),
            (StockArrived.opKind, [0x02, 0x00]),
            (StockCounted.opKind, payload(StockCounted(part: "P1", quantity: Quantity(1), at: 5)) + [0x00]),
        ]
        for (kind, bytes) in cases {
            #expect(throws: WireError.self, "kind \(kind.rawValue): \(bytes)") { _ = try OpPayloadCodec.decode(kind: kind, payload: bytes) }
        }
    }
}
