import FieldModel
import FieldStore
import Testing

/// Depots on both backends (M8): a depot relays the devices of the engineers it serves,
/// whose replicas stay theirs, so one device syncs at a depot, at central and at another
/// depot with nothing refused or duplicated; a depot relays no one else's.
@Suite struct DepotConformanceTests {
    typealias F = SyncFixtures

    static let north = Principal(name: "north", role: .depot)
    static let south = Principal(name: "south", role: .depot)
    static let northNode = ReplicaID("node-0000a001")!
    static let southNode = ReplicaID("node-0000a002")!

    @Test(arguments: Backend.allCases)
    func aDeviceSyncsAtADepotThenCentralThenAnotherDepot(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let ticket = "T1-dispatch-1"
            _ = try await F.ingest(store, [F.created(F.desk, 1, ticket, assignee: "E17")], from: F.dispatcher, replica: F.desk)
            let notes = (1...6).map { F.note(F.tab17, UInt64($0), on: ticket, "note \($0)") }
            #expect(try await store.setDepotMember(depot: "north", engineer: "E17", member: true, now: F.now))
            #expect(try await !store.setDepotMember(depot: "north", engineer: "E17", member: true, now: F.now), "added twice: no change")

            // At the depot: north relays E17's first two ops; the replica is E17's.
            let relayed = try await F.ingest(store, Array(notes[0..<2]), from: Self.north, replica: Self.northNode)
            #expect(relayed.acked[F.tab17] == 2 && relayed.inserted == 2 && relayed.quarantined.isEmpty)
            #expect(try await store.owner(of: F.tab17) == "E17")

            // Then directly at central with E17's token: the relayed two are resends.
            let direct = try await F.ingest(store, Array(notes[0..<3]), from: F.e17, replica: F.tab17)
            #expect(direct.acked[F.tab17] == 3 && direct.inserted == 1 && direct.duplicates == 2)

            // South does not serve E17: refused, nothing held.
            #expect(await F.refusal { try await F.ingest(store, [notes[3]], from: Self.south, replica: Self.southNode) } == .forbidden)
            #expect(try await store.held(of: [F.tab17]) == [F.tab17: 3])

            // E17 moves to south: the next ops come through it.
            #expect(try await store.setDepotMember(depot: "south", engineer: "E17", member: true, now: F.now + 1))
            let moved = try await F.ingest(store, Array(notes[2..<4]), from: Self.south, replica: Self.southNode)
            #expect(moved.acked[F.tab17] == 4 && moved.inserted == 1 && moved.duplicates == 1)

            // North serves E17 no more, and still relays what it took from them before.
            #expect(try await store.setDepotMember(depot: "north", engineer: "E17", member: false, now: F.now + 2))
            #expect(try await !store.setDepotMember(depot: "north", engineer: "E17", member: false, now: F.now + 2), "removed twice: no change")
            let late = try await F.ingest(store, [notes[4]], from: Self.north, replica: Self.northNode)
            #expect(late.acked[F.tab17] == 5 && late.inserted == 1)
            let members = try await store.depotMembers(of: "north")
            #expect(members.map(\.engineer) == ["E17"] && members[0].removedAt == F.now + 2)
            #expect(try await store.depotMembers(of: "south").map(\.engineer) == ["E17"])

            // Every op once, in order: six ops of E17's device went four ways, none twice.
            let ops = try await store.ops(of: EntityID(ticket)!)
            #expect(ops.map(\.id) == [OpID(replica: F.desk, counter: 1)] + notes[0..<5].map(\.id))
        }
    }

    @Test(arguments: Backend.allCases)
    func aDepotRelaysNoOneElsesDevices(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let ticket = "T1-dispatch-1"
            _ = try await F.ingest(store, [F.created(F.desk, 1, ticket, assignee: "E17")], from: F.dispatcher, replica: F.desk)
            _ = try await store.setDepotMember(depot: "north", engineer: "E17", member: true, now: F.now)

            // Another engineer's device, a device named like no engineer of the depot, and
            // the depot claiming an engineer's id as its own: each refused, nothing kept.
            for (replica, name) in [(F.tab18, "e18-tab"), (ReplicaID("e1-tab")!, "e1-tab"), (ReplicaID("e170-tab")!, "e170-tab")] {
                let op = F.note(replica, 1, on: ticket)
                #expect(
                    await F.refusal { try await F.ingest(store, [op], from: Self.north, replica: Self.northNode) } == .forbidden,
                    "north relayed \(name), a device of no engineer it serves")
                #expect(try await store.owner(of: replica) == nil)
            }
            // E17's device pushed first by E17 is still E17's; another engineer may not push it.
            _ = try await F.ingest(store, [F.note(F.tab17, 1, on: ticket)], from: F.e17, replica: F.tab17)
            #expect(await F.refusal { try await F.ingest(store, [F.note(F.tab17, 2, on: ticket)], from: F.e18, replica: F.tab18) } == .forbidden)
            // A dispatcher is not a depot: being named a depot's member gives it nothing.
            _ = try await store.setDepotMember(depot: "dispatch", engineer: "E17", member: true, now: F.now)
            #expect(await F.refusal { try await F.ingest(store, [F.note(F.tab17, 2, on: ticket)], from: F.dispatcher, replica: F.desk) } == .forbidden)
            #expect(try await store.held(of: [F.tab17]) == [F.tab17: 1])

            // Names no token can have are refused and change nothing.
            for (depot, engineer) in [("", "E17"), ("north", ""), ("no rth", "E17"), ("north", "E17;DROP"), (String(repeating: "n", count: 65), "E17"), ("north", "é17")] {
                #expect(await F.refusal { try await store.setDepotMember(depot: depot, engineer: engineer, member: true, now: F.now) } == .invalidOp)
            }
            #expect(try await store.depotMembers(of: "north").map(\.engineer) == ["E17"])
        }
    }

    @Test(arguments: Backend.allCases)
    func aDepotGetsItsEngineersTokensAsHashesOnly(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let (t17, r17) = try await store.createToken(name: "E17", role: .engineer, now: F.now)
            _ = try await store.createToken(name: "E18", role: .engineer, now: F.now)
            _ = try await store.createToken(name: "E17", role: .admin, now: F.now)
            _ = try await store.createToken(name: "north", role: .depot, now: F.now)
            #expect(try await store.memberTokens(of: "north").isEmpty)
            _ = try await store.setDepotMember(depot: "north", engineer: "E17", member: true, now: F.now)
            // E17's engineer token alone: not E18's, not an admin token named E17.
            let hashes = try await store.memberTokens(of: "north")
            #expect(hashes.map(\.record.id) == [r17.id] && hashes[0].sha256 == NewToken.hash(t17) && hashes[0].record.revokedAt == nil)
            _ = try await store.revokeToken(id: r17.id, now: F.now + 5)
            #expect(try await store.memberTokens(of: "north").map(\.record.revokedAt) == [F.now + 5])
            // E17 leaves north: north gets none of their tokens any more.
            _ = try await store.setDepotMember(depot: "north", engineer: "E17", member: false, now: F.now + 6)
            #expect(try await store.memberTokens(of: "north").isEmpty)
        }
    }
}
