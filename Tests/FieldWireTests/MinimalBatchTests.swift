import FieldModel
import FieldTestSupport
import FieldWire
import Testing

/// Op batches at the smallest encoding the spec allows: one head byte per op (kind 1–30,
/// same subject, the next counter of the same replica, logical 0) and zero wall deltas.
/// A decoder guard that assumed more bytes per op refused a device's eight notes a
/// second apart, forever (H1 finding 1).
@Suite struct MinimalBatchTests {
    static let replica = ReplicaID("e17-1a2b")!
    static let ticket = EntityID("T1-central")!
    static let wall: UInt64 = 1_795_424_400_000

    /// The smallest valid body of each kind, and kinds the reader does not know (a
    /// 1-byte head and an empty payload; a varint kind past 30).
    static let minimalBodies: [(String, OpBody)] = [
        ("ticket-created", .ticketCreated(TicketCreated(fields: [:], at: wall))),
        ("field-set", .fieldSet(FieldWrite(field: Field.priority, value: "", replaces: []))),
        ("lifecycle", .lifecycle(LifecycleEvent(kind: .paused, at: wall, after: []))),
        ("note", .note(Note(text: "x", at: wall))),
        ("part-added", .partAdded(PartLine(partNumber: "P", quantity: Quantity(thousandths: 1), unit: "", location: "v"))),
        ("part-removed", .partRemoved(PartRemoval(line: OpID(replica: replica, counter: 1)))),
        ("attachment-added", .attachmentAdded(Attachment(kind: .photo, sha256: SHA256.hash([]), byteSize: 0, mediaType: "", caption: ""))),
        ("article-retired", .entity(EntityOp(ArticleRetired()))),
        ("unknown kind 15", .unknown(UnknownOp(kind: OpKind(rawValue: 15), payload: []))),
        ("unknown kind 30", .unknown(UnknownOp(kind: OpKind(rawValue: 30), payload: []))),
        ("unknown kind 31", .unknown(UnknownOp(kind: OpKind(rawValue: 31), payload: []))),
    ]

    static func batch(_ count: Int, _ body: (Int) -> OpBody) -> [Op] {
        (0..<count).map { i in
            Op(id: OpID(replica: replica, counter: UInt64(i + 1)), wallMillis: wall, logical: 0, subject: ticket, body: body(i))
        }
    }

    static let counts = [1, 2, 3, 5, 6, 7, 8, 9, 35, 127, 128, 1_000, 10_000]

    @Test("batches of each kind at their minimal encoding round-trip, 1 to 10,000 ops", arguments: minimalBodies.map(\.0))
    func minimalBatchesOfOneKind(kind: String) throws {
        let body = try #require(Self.minimalBodies.first { $0.0 == kind }).1
        for count in Self.counts {
            let ops = Self.batch(count) { _ in body }
            for compress in [false, true] {
                let messages: [WireMessage] = [.push(Push(ops: ops)), .pullPage(PullPage(ops: ops, nextCursor: [], more: false))]
                let decoded = try Frame.decode(Frame.encode(messages, compress: compress))
                #expect(decoded == messages, "\(count) × \(kind), compressed: \(compress)")
            }
        }
    }

    @Test("seeded batches mixing every kind at minimal encoding round-trip")
    func mixedMinimalBatches() throws {
        for seed in 1...UInt64(200) {
            var rng = SeededRandom(seed: seed)
            let count = seed == 1 ? 10_000 : Int.random(in: 1...600, using: &rng)
            let picks = (0..<count).map { _ in Int.random(in: 0..<Self.minimalBodies.count, using: &rng) }
            let ops = Self.batch(count) { Self.minimalBodies[picks[$0]].1 }
            let messages: [WireMessage] = [.push(Push(ops: ops))]
            #expect(try Frame.decode(Frame.encode(messages, compress: seed % 2 == 0)) == messages, "seed \(seed)")
        }
    }

    @Test("a minimal note costs one structure byte: the batch is as small as the spec allows")
    func minimalNotesAreOneByteOfStructure() throws {
        // 10,000 notes: a 10-byte first op, then head + wall delta + 'at' delta + text per op.
        let ops = Self.batch(10_000) { _ in .note(Note(text: "x", at: Self.wall)) }
        let payload = Frame.encodePayload([.push(Push(ops: ops))]).count
        #expect(payload < 10_000 * 5 + 64, "\(payload) bytes")
        #expect(try Frame.decode(Frame.encode([.push(Push(ops: ops))], compress: false)) == [.push(Push(ops: ops))])
    }

    @Test("a count past the ops present is refused, not read past the streams")
    func overclaimedCountIsRefused() throws {
        let ops = Self.batch(8) { _ in .note(Note(text: "x", at: Self.wall)) }
        var payload = Frame.encodePayload([.push(Push(ops: ops))])
        // payload: message count, type, body length, then the op count (8 → 9).
        #expect(payload[3] == 8)
        payload[3] = 9
        #expect(throws: WireError.self) { try Frame.decodePayload(payload) }
    }
}
