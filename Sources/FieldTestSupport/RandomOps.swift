import FieldModel

/// Arbitrary ops of every kind with edge values (unicode, empty and long strings, huge
/// counters, far-apart clocks, unknown kinds), for codec round trips and fuzz seeds.
/// Unlike ``FieldSimulation`` they need not make sense together.
package enum RandomOps {
    static let texts = [
        "", "ok", "Replaced condenser fan; ran 30 min without a trip.", "冷凝风扇卡死，已更换", "émoji 🔧🧯 ok",
        "line one\nline two", String(repeating: "x", count: 300),
    ]

    package static func text(_ rng: inout SeededRandom) -> String {
        texts[Int.random(in: 0..<texts.count, using: &rng)]
    }

    static func nonEmpty(_ rng: inout SeededRandom) -> String {
        let t = text(&rng)
        return t.isEmpty ? "x" : t
    }

    package static func replica(_ rng: inout SeededRandom) -> ReplicaID {
        ReplicaID(["central", "e17-1a2b", "e21-ffff", "depot.north", String(repeating: "r", count: 64)][Int.random(in: 0..<5, using: &rng)])!
    }

    package static func opID(_ rng: inout SeededRandom) -> OpID {
        let big = Bool.random(using: &rng)
        return OpID(replica: replica(&rng), counter: big ? UInt64.random(in: 1...UInt64.max, using: &rng) : UInt64.random(in: 1...500, using: &rng))
    }

    static func ids(_ rng: inout SeededRandom) -> [OpID] { (0..<Int.random(in: 0...3, using: &rng)).map { _ in opID(&rng) } }

    static func digest(_ rng: inout SeededRandom) -> Digest { SHA256.hash((0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) }) }

    package static func body(_ rng: inout SeededRandom, at: UInt64) -> OpBody {
        switch Int.random(in: 0..<9, using: &rng) {
        case 0:
            return .ticketCreated(TicketCreated(fields: [Field.customer: nonEmpty(&rng), Field.site: text(&rng), Field.priority: "high"], at: at))
        case 1:
            return .fieldSet(FieldWrite(field: [Field.priority, Field.resolution, "custom.x"][Int.random(in: 0..<3, using: &rng)], value: text(&rng), replaces: ids(&rng)))
        case 2:
            let kind = LifecycleKind.allCases.randomElement(using: &rng)!
            let position = Bool.random(using: &rng)
                ? Position(latitude: Double.random(in: -90...90, using: &rng), longitude: Double.random(in: -180...180, using: &rng),
                           accuracyMetres: Bool.random(using: &rng) ? Double.random(in: 0...500, using: &rng) : nil) : nil
            return .lifecycle(LifecycleEvent(
                kind: kind, at: at &+ UInt64.random(in: 0...10_000, using: &rng), after: ids(&rng),
                assignee: kind == .assigned ? "E\(Int.random(in: 1...99, using: &rng))" : nil,
                replaces: kind == .assigned ? ids(&rng) : [], position: position, reason: Bool.random(using: &rng) ? text(&rng) : nil))
        case 3:
            return .note(Note(text: nonEmpty(&rng), at: at))
        case 4:
            return .partAdded(PartLine(partNumber: "PN-\(Int.random(in: 1...9, using: &rng))", quantity: Quantity(thousandths: Int64.random(in: 1...1_000_000, using: &rng)), unit: ["pcs", "m"][Int.random(in: 0...1, using: &rng)], location: ["van:E17", "depot:north"][Int.random(in: 0...1, using: &rng)]))
        case 5:
            return .partRemoved(PartRemoval(line: opID(&rng)))
        case 6:
            return .attachmentAdded(Attachment(kind: .photo, sha256: digest(&rng), byteSize: UInt64.random(in: 0...50_000_000, using: &rng), mediaType: "image/jpeg", caption: text(&rng)))
        case 7:
            return .attachmentAdded(Attachment(kind: .signature, sha256: digest(&rng), byteSize: 900, mediaType: "image/png", caption: "", signature: Signature(signer: nonEmpty(&rng), signedAt: at, summarySHA256: digest(&rng))))
        default:
            return .unknown(UnknownOp(kind: OpKind(rawValue: UInt64.random(in: 15...1000, using: &rng)), payload: (0..<Int.random(in: 0...20, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        }
    }

    /// `count` ops with random ids, stamps and bodies.
    package static func make(_ count: Int, _ rng: inout SeededRandom) -> [Op] {
        var wall = UInt64.random(in: 1_700_000_000_000...1_800_000_000_000, using: &rng)
        return (0..<count).map { _ in
            wall = Bool.random(using: &rng) ? wall &+ UInt64.random(in: 0...600_000, using: &rng) : wall &- UInt64.random(in: 0...5_000, using: &rng)
            let id = opID(&rng)
            let subject = EntityID("T\(Int.random(in: 1...20, using: &rng))-central")!
            return Op(id: id, wallMillis: wall, logical: UInt32.random(in: 0...3, using: &rng), subject: subject, body: body(&rng, at: wall))
        }
    }
}
