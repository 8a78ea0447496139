import FieldModel
import FieldTestSupport
import FieldWire
import Testing

/// article-published and article-retired (kinds 8 and 9) on the wire: every field
/// survives a batch and the self-contained payload; hostile payloads are refused.
@Suite struct ArticleWireTests {
    let t0: UInt64 = 1_795_424_400_000

    func op(_ c: UInt64, _ body: any EntityOpBody) -> Op {
        Op(id: OpID(replica: ReplicaID("node-3fa91c2b")!, counter: c), wallMillis: t0, logical: 0,
           subject: EntityID("article:fan-guide")!, body: .entity(EntityOp(body)))
    }

    @Test("an article version and a retirement round-trip through a push and the stored payload")
    func roundTrip() throws {
        let published = ArticlePublished(
            version: 3, title: "冷凝风扇 replacement", body: "# Steps\n1. 断电\n2. Remove the fan", deviceModels: ["Chiller X2", "X3"],
            faultCodes: ["E21"], keywords: ["风扇", "fan"], language: "zh", everyone: true, images: [SHA256.hash(Array("img".utf8))])
        let ops = [op(1, published), op(2, ArticleRetired()), op(3, ArticlePublished(version: 1, title: "t", body: ""))]
        let decoded = try Frame.decode(Frame.encode([.push(Push(ops: ops))]))
        guard case .push(let p) = decoded.first else { Issue.record("no push"); return }
        #expect(p.ops == ops)
        for o in ops {
            #expect(try OpPayloadCodec.decode(kind: o.body.kind, payload: OpPayloadCodec.encode(o.body)) == o.body)
        }
        #expect(ops[0].body.kind.rawValue == 8 && ops[1].body.kind.rawValue == 9)
    }

    @Test("hostile article payloads are refused, never a crash or a huge allocation")
    func hostile() {
        let kind = ArticlePublished.opKind
        let payloads: [[UInt8]] = [
            [],  // nothing
            [0x01, 0x01, 0x41, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f],  // 4 billion device models
            [0x01, 0x01, 0x41, 0x00, 0x00, 0x00, 0x00, 0x02, 0x65, 0x6e, 0x02, 0x00],  // everyone flag 2
            [0x01, 0x01, 0x41, 0x00, 0x00, 0x00, 0x00, 0x02, 0x65, 0x6e, 0x00, 0x01, 0xaa],  // an image hash cut short
        ]
        for p in payloads {
            #expect(throws: WireError.self, "\(p)") { _ = try OpPayloadCodec.decode(kind: kind, payload: p) }
        }
        // A retirement has no fields: bytes after it are malformed.
        #expect(throws: WireError.self) { _ = try OpPayloadCodec.decode(kind: ArticleRetired.opKind, payload: [0x00]) }
    }
}
