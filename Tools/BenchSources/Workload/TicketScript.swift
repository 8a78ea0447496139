import FieldModel

/// The life of one generated ticket, one op at a time: central creates and assigns it,
/// the engineer accepts, departs and arrives (with a position), then works on site
/// (notes, parts, field writes, photos, pauses), completes it, and central closes it.
/// Exactly `budget` ops in all. Ops are made from the ticket as it stands, as a replica
/// would make them, so predecessors and `replaces` lists are real.
struct TicketScript {
    /// Index of the maker that acts for central; engineers are 1...
    static let central = 0

    let engineer: Int
    let budget: Int
    private let site: Position
    private(set) var ticket: Ticket?
    private(set) var emitted = 0
    private var paused = false
    private var partLines: [OpID] = []
    /// A second op already decided (the other half of a concurrent write).
    private var pending: (maker: Int, body: OpBody)?

    init(engineer: Int, budget: Int, rng: inout SplitMix64) {
        precondition(budget >= 12, "a ticket needs room for its lifecycle")
        self.engineer = engineer
        self.budget = budget
        site = Position(latitude: rng.double(51.3...51.7), longitude: rng.double(-0.5...0.3))
    }

    var isDone: Bool { emitted == budget }

    /// The ticket's first op: created at central, not yet assigned.
    func created(_ rng: inout SplitMix64, now: UInt64) -> TicketCreated {
        TicketCreated(
            customer: rng.pick(Vocabulary.customers),
            site: "\(rng.int(1...240)) \(rng.pick(Vocabulary.streets)), \(rng.pick(Vocabulary.towns))",
            asset: "SN-\(rng.int(100_000...999_999))", deviceModel: rng.pick(Vocabulary.deviceModels),
            category: rng.pick(Vocabulary.categories), fault: rng.pick(Vocabulary.faults),
            priority: rng.pick(Vocabulary.priorities), at: now)
    }

    /// Records an op of this ticket once made (the creation included).
    mutating func record(_ op: Op) {
        if ticket == nil { ticket = Ticket(id: op.subject) }
        ticket!.apply(op)
        emitted += 1
        switch op.body {
        case .lifecycle(let e) where e.kind == .paused: paused = true
        case .lifecycle(let e) where e.kind == .resumed: paused = false
        case .partAdded: partLines.append(op.id)
        case .partRemoved(let r): partLines.removeAll { $0 == r.line }
        default: break
        }
    }

    /// Who makes the next op (a maker index) and what it is. Call after the creation.
    mutating func next(_ rng: inout SplitMix64, now: UInt64) -> (maker: Int, body: OpBody) {
        if let p = pending {
            pending = nil
            return p
        }
        let t = ticket!
        switch emitted {
        case 1: return (Self.central, t.assigning(to: "E\(engineer)", at: now))
        case 2: return (engineer, t.step(.accepted, at: now))
        case 3: return (engineer, t.step(.departed, at: now))
        case 4: return (engineer, t.step(.arrived, at: now, position: arrival(&rng)))
        case budget - 1: return (Self.central, t.step(.closed, at: now))
        case budget - 2: return (engineer, t.step(.completed, at: now))
        case budget - 3 where paused: return (engineer, t.step(.resumed, at: now))
        default: return onSite(t, &rng, now: now)
        }
    }

    /// The work between arrival and completion. Weights, in percent: notes 36, part
    /// lines 18, part removals 3, field writes 20 (a tenth of them a concurrent pair of
    /// priority writes, a conflict settled by a later write), photos 13, pause/resume 10.
    private mutating func onSite(_ t: Ticket, _ rng: inout SplitMix64, now: UInt64) -> (maker: Int, body: OpBody) {
        let roll = rng.int(0...99)
        switch roll {
        case 0..<36:
            let author = rng.chance(0.15) ? Self.central : engineer
            return (author, .note(Note(text: Self.noteText(&rng), at: now)))
        case 36..<54:
            let part = rng.pick(Vocabulary.parts)
            let line = PartLine(
                partNumber: part.number, quantity: Quantity(Int64(rng.int(1...4))), unit: part.unit,
                location: rng.chance(0.8) ? "van:E\(engineer)" : "depot:north")
            return (engineer, .partAdded(line))
        case 54..<57 where !partLines.isEmpty:
            return (engineer, try! t.removingPart(rng.pick(partLines)))
        case 57..<77:
            // Room for both halves before the closing steps: the pair must not take the
            // slot where a paused ticket resumes.
            if roll < 59, emitted + 1 < budget - 3 {
                pending = (engineer, t.setting(Field.priority, to: "urgent"))
                return (Self.central, t.setting(Field.priority, to: "high"))
            }
            return fieldWrite(t, &rng)
        case 77..<90:
            let photo = Attachment(
                kind: .photo, sha256: SHA256.hash(rng.bytes(64)), byteSize: UInt64(rng.int(150_000...4_000_000)),
                mediaType: "image/jpeg", caption: rng.pick(Vocabulary.captions))
            return (engineer, .attachmentAdded(photo))
        case 90..<100 where paused:
            return (engineer, t.step(.resumed, at: now))
        case 90..<100:
            return (engineer, t.step(.paused, at: now, reason: rng.pick(Vocabulary.pauseReasons)))
        default:
            return (engineer, .note(Note(text: Self.noteText(&rng), at: now)))
        }
    }

    private func fieldWrite(_ t: Ticket, _ rng: inout SplitMix64) -> (maker: Int, body: OpBody) {
        switch rng.int(0...5) {
        case 0: (engineer, t.setting(Field.faultCode, to: rng.pick(Vocabulary.faultCodes)))
        case 1: (engineer, t.setting(Field.faultPart, to: rng.pick(Vocabulary.faultParts)))
        case 2: (engineer, t.setting(Field.resolution, to: rng.pick(Vocabulary.resolutions)))
        case 3: (engineer, t.setting("custom.meter-reading", to: String(rng.int(1_000...99_999))))
        case 4: (Self.central, t.setting(Field.appointment, to: rng.pick(Vocabulary.appointments)))
        default: (Self.central, t.setting(Field.priority, to: rng.pick(Vocabulary.priorities)))
        }
    }

    private func arrival(_ rng: inout SplitMix64) -> Position {
        Position(
            latitude: site.latitude + rng.double(-0.0005...0.0005),
            longitude: site.longitude + rng.double(-0.0005...0.0005), accuracyMetres: rng.double(3...25))
    }

    /// 80–300 characters of sentences.
    static func noteText(_ rng: inout SplitMix64) -> String {
        let length = rng.int(80...300)
        var text = ""
        while text.count < length { text += (text.isEmpty ? "" : " ") + rng.pick(Vocabulary.sentences) }
        return String(text.prefix(length))
    }
}
