import FieldModel

/// Several replicas editing tickets offline and syncing now and then, as in the field:
/// each replica makes ops from what it has seen, so predecessors, timeline heads and
/// part removals are realistic, and concurrent edits happen between syncs.
package struct FieldSimulation {
    package struct Replica {
        var maker: OpMaker
        package var state = ReplicaState()
        package var seen: [Op] = []
        var seenIDs: Set<OpID> = []
        mutating func receive(_ op: Op, now: UInt64) {
            guard seenIDs.insert(op.id).inserted else { return }
            seen.append(op)
            state.apply(op)
            maker.observe(op.stamp, now: now)
        }
    }

    package var replicas: [Replica]
    package var all: [Op] = []
    var now: UInt64 = 1_763_900_000_000
    var rng: SeededRandom

    package init(replicaCount: Int, seed: UInt64) {
        rng = SeededRandom(seed: seed)
        replicas = (0..<replicaCount).map { i in
            Replica(maker: OpMaker(clock: HybridClock(replica: ReplicaID("r\(i)")!)))
        }
    }

    /// Runs `steps` random actions and returns every op made.
    package mutating func run(steps: Int) -> [Op] {
        for _ in 0..<steps { step() }
        return all
    }

    private mutating func record(_ body: OpBody, on subject: EntityID, by r: Int) {
        // Each replica's clock drifts differently: up to ±90 s, sometimes hours off.
        let skew: Int64 = r == 2 ? 3_600_000 : Int64(r) * 45_000 - 45_000
        let local = UInt64(Int64(now) + skew)
        let op = replicas[r].maker.make(body, on: subject, now: local)
        replicas[r].receive(op, now: local)
        all.append(op)
    }

    private mutating func step() {
        now += UInt64.random(in: 0...120_000, using: &rng)
        let r = Int.random(in: 0..<replicas.count, using: &rng)
        let tickets = replicas[r].state.tickets.values.filter { $0.createdBy != nil }.sorted { $0.id < $1.id }
        let roll = Int.random(in: 0..<100, using: &rng)
        if tickets.isEmpty || roll < 6 {
            let created = TicketCreated(
                customer: "Cust \(roll)", site: "Site", deviceModel: "HVAC-\(roll % 3)", category: "repair",
                fault: "noise", priority: ["low", "normal", "high"][roll % 3], assignee: "E\(roll % 2)", at: now)
            let op = replicas[r].maker.createTicket(created, now: now)
            replicas[r].receive(op, now: now)
            all.append(op)
            return
        }
        if roll < 20 {
            // Sync: r exchanges everything with another replica, both ways.
            let other = (r + 1 + Int.random(in: 0..<(replicas.count - 1), using: &rng)) % replicas.count
            for op in replicas[other].seen { replicas[r].receive(op, now: now) }
            for op in replicas[r].seen { replicas[other].receive(op, now: now) }
            return
        }
        let ticket = tickets[Int.random(in: 0..<tickets.count, using: &rng)]
        let body: OpBody
        switch roll {
        case 20..<36:
            let field = [Field.priority, Field.faultCode, Field.resolution, "custom.floor"][roll % 4]
            body = ticket.setting(field, to: "v\(Int.random(in: 0..<5, using: &rng))")
        case 36..<52:
            let kind = LifecycleKind.allCases[Int.random(in: 0..<LifecycleKind.allCases.count, using: &rng)]
            if kind == .assigned {
                body = ticket.assigning(to: "E\(Int.random(in: 0..<3, using: &rng))", at: now)
            } else {
                let position = kind == .arrived ? Position(latitude: 48.1, longitude: 11.5, accuracyMetres: 8) : nil
                body = ticket.step(kind, at: now, position: position)
            }
        case 52..<66:
            body = .note(Note(text: "note \(roll) on \(ticket.id)", at: now))
        case 66..<80:
            body = .partAdded(
                PartLine(
                    partNumber: "PN-\(roll % 7)", quantity: Quantity(Int64(1 + roll % 3)), location: "van:E\(r)"))
        case 80..<90:
            guard let line = ticket.parts.randomElement(using: &rng) else { return }
            body = .partRemoved(PartRemoval(line: line.id))
        default:
            let digest = SHA256.hash(Array("photo \(roll) \(now)".utf8))
            body = .attachmentAdded(Attachment(kind: .photo, sha256: digest, byteSize: 1000, mediaType: "image/jpeg"))
        }
        record(body, on: ticket.id, by: r)
    }
}
