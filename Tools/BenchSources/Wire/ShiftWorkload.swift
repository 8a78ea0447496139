import FieldModel

/// One engineer's day: the tickets central created for them in the morning (which the
/// tablet pulled before leaving), and the ops the tablet made during the day, which
/// are what it pushes at shift end: the *day delta*.
struct EngineerDay {
    let engineer: Int
    let replica: ReplicaID
    /// Central's ticket-created ops, in the order made.
    let morning: [Op]
    /// The tablet's ops of the day, in the order made.
    let ops: [Op]
    /// Each ticket as it stands after the morning pull.
    let morningTickets: [TicketID: Ticket]
    /// The day's free text and hashes alone, concatenated (see ``ShiftWorkload``).
    let content: [UInt8]
}

/// A depot's shift end: `engineers` engineers, each with their own tablet (replica)
/// and `ticketsPerEngineer` tickets created at central in the morning.
///
/// Per ticket, the tablet records (23 ops on average):
/// - lifecycle: accepted (all tickets at the start of the day), departed, arrived
///   (with a position), one pause and resume (half the tickets two), completed;
/// - 4–6 notes of 80–300 characters, 3–5 part lines from van stock of which one is
///   removed again, 3 photos and the customer's signature by reference (SHA-256),
///   and 2 field writes: the fault code on site and the resolution at the end.
///
/// Time runs in Unix ms from 07:30, 30–150 s between ops, 8–25 min of travel, 10–25 min
/// per pause; the device time of each event is the time it was made.
struct ShiftWorkload {
    struct Shape {
        var engineers = 200
        var ticketsPerEngineer = 8
        var seed: UInt64 = 0x00F1_E1D5_0C00_0002
        /// 2025-03-03 06:00 UTC: central creates the day's tickets.
        var morning: UInt64 = 1_740_981_600_000

        static let standard = Shape()
    }

    let shape: Shape
    let days: [EngineerDay]

    var dayOpCount: Int { days.reduce(0) { $0 + $1.ops.count } }

    static func generate(_ shape: Shape) -> ShiftWorkload {
        var rng = SplitMix64(seed: shape.seed)
        var central = OpMaker(clock: HybridClock(replica: ReplicaID("central")!))
        var now = shape.morning
        var days: [EngineerDay] = []
        days.reserveCapacity(shape.engineers)
        for engineer in 1...shape.engineers {
            let replica = ReplicaID("e\(engineer)-\(String(rng.int(0x1000...0xFFFF), radix: 16))")!
            var morning: [Op] = []
            var tickets: [TicketID: Ticket] = [:]
            for _ in 0..<shape.ticketsPerEngineer {
                let created = TicketCreated(
                    customer: rng.pick(Vocabulary.customers),
                    site: "\(rng.int(1...240)) \(rng.pick(Vocabulary.streets)), \(rng.pick(Vocabulary.towns))",
                    asset: "SN-\(rng.int(100_000...999_999))", deviceModel: rng.pick(Vocabulary.deviceModels),
                    category: rng.pick(Vocabulary.categories), fault: rng.pick(Vocabulary.faults),
                    priority: rng.pick(Vocabulary.priorities), assignee: "E\(engineer)", at: now)
                let op = central.createTicket(created, now: now)
                var t = Ticket(id: op.subject)
                t.apply(op)
                tickets[op.subject] = t
                morning.append(op)
                now += UInt64(rng.int(500...3_000))
            }
            var day = DayRecorder(replica: replica, tickets: tickets, morning: morning)
            day.work(engineer: engineer, ids: morning.map(\.subject), start: shape.morning + 90 * 60_000, &rng)
            days.append(
                EngineerDay(
                    engineer: engineer, replica: replica, morning: morning, ops: day.ops, morningTickets: tickets,
                    content: day.content))
        }
        return ShiftWorkload(shape: shape, days: days)
    }
}

/// Makes one tablet's ops from its tickets as they stand, as the app would.
private struct DayRecorder {
    var maker: OpMaker
    var tickets: [TicketID: Ticket]
    var ops: [Op] = []
    var content: [UInt8] = []
    var now: UInt64 = 0

    init(replica: ReplicaID, tickets: [TicketID: Ticket], morning: [Op]) {
        maker = OpMaker(clock: HybridClock(replica: replica))
        self.tickets = tickets
        // The morning pull: the tablet's clock observes central's stamps.
        for op in morning { maker.observe(op.stamp, now: op.stamp.wallMillis) }
    }

    private enum Work { case note, part, removal, photo, faultCode, pause }

    mutating func work(engineer: Int, ids: [TicketID], start: UInt64, _ rng: inout SplitMix64) {
        now = start + UInt64(rng.int(0...20 * 60_000))
        for id in ids {
            emit(tickets[id]!.step(.accepted, at: now), on: id)
            tick(&rng, 20...90)
        }
        for id in ids {
            emit(tickets[id]!.step(.departed, at: now), on: id)
            tick(&rng, (8 * 60)...(25 * 60))
            let site = Position(latitude: rng.double(51.3...51.7), longitude: rng.double(-0.5...0.3))
            let arrival = Position(
                latitude: site.latitude + rng.double(-0.0005...0.0005),
                longitude: site.longitude + rng.double(-0.0005...0.0005), accuracyMetres: rng.double(3...25))
            emit(tickets[id]!.step(.arrived, at: now, position: arrival), on: id)
            tick(&rng, 30...150)

            var plan: [Work] = Array(repeating: .note, count: rng.int(4...6))
            plan += Array(repeating: .part, count: rng.int(3...5))
            plan += [.removal, .photo, .photo, .photo, .faultCode, .pause]
            if rng.chance(0.5) { plan.append(.pause) }
            for i in stride(from: plan.count - 1, to: 0, by: -1) { plan.swapAt(i, rng.int(0...i)) }
            // A line can only be removed once one was added.
            if let r = plan.firstIndex(of: .removal), let p = plan.firstIndex(of: .part), r < p {
                plan.remove(at: r)
                plan.insert(.removal, at: p)
            }
            let photos = plan.count(where: { $0 == .photo })
            var photo = 0
            var lines: [OpID] = []
            for item in plan {
                let t = tickets[id]!
                switch item {
                case .note:
                    let text = FieldText.note(&rng)
                    emit(.note(Note(text: text, at: now)), on: id, text: text)
                case .part:
                    let part = rng.pick(FieldText.catalogue)
                    let quantity =
                        part.unit == "pcs" ? Quantity(Int64(rng.int(1...4))) : Quantity(thousandths: Int64(rng.int(1...40)) * 250)
                    let line = PartLine(
                        partNumber: part.number, quantity: quantity, unit: part.unit,
                        location: rng.chance(0.9) ? "van:E\(engineer)" : rng.pick(["depot:north", "depot:south"]))
                    lines.append(emit(.partAdded(line), on: id).id)
                case .removal:
                    let line = lines.remove(at: rng.int(0...(lines.count - 1)))
                    emit(try! t.removingPart(line), on: id)
                case .photo:
                    let hash = SHA256.hash(rng.bytes(64))
                    let caption = FieldText.caption(&rng, index: photo, of: photos)
                    photo += 1
                    let a = Attachment(
                        kind: .photo, sha256: hash, byteSize: UInt64(rng.int(150_000...4_000_000)),
                        mediaType: "image/jpeg", caption: caption)
                    emit(.attachmentAdded(a), on: id, text: caption, hashes: [hash])
                case .faultCode:
                    let code = FieldText.faultCode(&rng)
                    emit(t.setting(Field.faultCode, to: code), on: id, text: code)
                case .pause:
                    let reason = FieldText.pauseReason(&rng)
                    emit(t.step(.paused, at: now, reason: reason), on: id, text: reason)
                    tick(&rng, (10 * 60)...(25 * 60))
                    emit(tickets[id]!.step(.resumed, at: now), on: id)
                }
                tick(&rng, 30...150)
            }
            let resolution = FieldText.resolution(&rng)
            emit(tickets[id]!.setting(Field.resolution, to: resolution), on: id, text: resolution)
            tick(&rng, 30...150)
            emit(tickets[id]!.step(.completed, at: now), on: id)
            tick(&rng, 30...90)
            let signer = FieldText.signer(&rng)
            let image = SHA256.hash(rng.bytes(64))
            let summary = WorkSummary(ticket: tickets[id]!).sha256
            let signature = Attachment(
                kind: .signature, sha256: image, byteSize: UInt64(rng.int(6_000...30_000)), mediaType: "image/png",
                signature: Signature(signer: signer, signedAt: now, summarySHA256: summary))
            emit(.attachmentAdded(signature), on: id, text: signer, hashes: [image, summary])
            tick(&rng, 60...240)
        }
    }

    /// Makes the op, applies it to its ticket, and records its free text and hashes.
    @discardableResult
    private mutating func emit(_ body: OpBody, on id: TicketID, text: String = "", hashes: [Digest] = []) -> Op {
        let op = maker.make(body, on: id, now: now)
        tickets[id]!.apply(op)
        ops.append(op)
        content += Array(text.utf8)
        for h in hashes { content += h.bytes }
        return op
    }

    private mutating func tick(_ rng: inout SplitMix64, _ seconds: ClosedRange<Int>) {
        now += UInt64(rng.int(seconds.lowerBound * 1000...seconds.upperBound * 1000))
    }
}
