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
            // ...but no new device of E17's comes in through north any more.
            let newTablet = ReplicaID("e17-new")!
            #expect(await F.refusal { try await F.ingest(store, [F.note(newTablet, 1, on: ticket)], from: Self.north, replica: Self.northNode) } == .forbidden)
            #expect(try await store.owner(of: newTablet) == nil)
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

    @Test(arguments: Backend.allCases)
    func relayedOpsAreJudgedAsTheirEngineerNotTheDepot(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let mine = "T1-dispatch-1", theirs = "T2-dispatch-1"
            _ = try await F.ingest(
                store, [F.created(F.desk, 1, mine, assignee: "E17"), F.created(F.desk, 2, theirs, assignee: "E18")], from: F.dispatcher, replica: F.desk)
            _ = try await store.setDepotMember(depot: "north", engineer: "E17", member: true, now: F.now)
            // E17's note on their own ticket is applied; on E18's ticket it is quarantined
            // under E17's name, as if E17 had pushed it: the depot lends no scope of its own.
            let result = try await F.ingest(
                store, [F.note(F.tab17, 1, on: mine), F.note(F.tab17, 2, on: theirs)], from: Self.north, replica: Self.northNode)
            #expect(result.acked[F.tab17] == 2 && result.quarantined == [OpID(replica: F.tab17, counter: 2)])
            #expect(try await store.quarantine().map(\.principal) == ["E17"])
            #expect(try await store.ops(of: EntityID(theirs)!).count == 1)
            // E17's count of their own van goes through the depot as E17's; a write-off at the
            // warehouse, which E17 does not own, is refused whole although north relays it.
            let van = StockLocation("van:E17")!
            let counted = StockConformanceTests.stockOp(F.tab17, 3, on: van.entity, StockCounted(part: "CAP", quantity: Quantity(2), at: F.now))
            #expect(try await F.ingest(store, [counted], from: Self.north, replica: Self.northNode).acked[F.tab17] == 3)
            let warehouse = StockLocation("warehouse:north")!
            let writeOff = StockConformanceTests.stockOp(F.tab17, 4, on: warehouse.entity, StockWrittenOff(part: "CAP", quantity: Quantity(1), reason: "broken"))
            #expect(await F.refusal { try await F.ingest(store, [writeOff], from: Self.north, replica: Self.northNode) } == .forbidden)
        }
    }

    @Test(arguments: Backend.allCases)
    func aDepotSeesItsCurrentEngineersTicketsOnly(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let (t17, t18, t20, shared) = ("T1-dispatch-1", "T2-dispatch-1", "T3-dispatch-1", "T4-dispatch-1")
            let created = [
                F.created(F.desk, 1, t17, assignee: "E17"), F.created(F.desk, 2, t18, assignee: "E18"),
                F.created(F.desk, 3, t20, assignee: "E20"), F.created(F.desk, 4, shared, assignee: "E17"),
            ]
            _ = try await F.ingest(store, created, from: F.dispatcher, replica: F.desk)
            // The shared ticket is E17's and E18's: the depot gets it once.
            let handover = F.assign(F.desk, 5, shared, to: "E18", replacing: [created[3].id])
            _ = try await F.ingest(store, [handover], from: F.dispatcher, replica: F.desk)
            for engineer in ["E17", "E18"] { _ = try await store.setDepotMember(depot: "north", engineer: engineer, member: true, now: F.now) }

            let (ops, cursor) = try await F.pull(store, Self.north, as: Self.northNode, atLeast: 4)
            #expect(Set(ops.map(\.subject.rawValue)) == [t17, t18, shared], "E20's ticket is no engineer's of north")
            #expect(ops.count == Set(ops.map(\.id)).count && ops.count == 4, "\(ops.map(\.id))")

            // E20's ticket moves on: nothing of it reaches north; E17's does.
            _ = try await F.ingest(store, [F.note(F.desk, 6, on: t20), F.note(F.desk, 7, on: t17)], from: F.dispatcher, replica: F.desk)
            let (later, _) = try await F.pull(store, Self.north, as: Self.northNode, from: cursor, atLeast: 1)
            #expect(later.map(\.id) == [OpID(replica: F.desk, counter: 7)])

            // North's own op on E20's ticket is out of its scope: quarantined, not applied.
            let own = try await F.ingest(store, [F.note(Self.northNode, 1, on: t20), F.note(Self.northNode, 2, on: t17)], from: Self.north, replica: Self.northNode)
            #expect(own.quarantined == [OpID(replica: Self.northNode, counter: 1)] && own.inserted == 1, "\(own)")

            // E18 leaves north: from the start, north sees E17's tickets (the shared one too).
            _ = try await store.setDepotMember(depot: "north", engineer: "E18", member: false, now: F.now + 1)
            let (after, _) = try await F.pull(store, Self.north, as: Self.northNode, atLeast: 4)
            #expect(Set(after.map(\.subject.rawValue)) == [t17, shared])
            // Another depot, serving no one, sees nothing of them.
            let (none, _) = try await F.pull(store, Self.south, as: Self.southNode, atLeast: 0)
            #expect(none.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func aDepotDoesNotPullBackWhatItRelayed(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let ticket = "T1-dispatch-1"
            let created = F.created(F.desk, 1, ticket, assignee: "E17")
            _ = try await F.ingest(store, [created], from: F.dispatcher, replica: F.desk)
            _ = try await store.setDepotMember(depot: "north", engineer: "E17", member: true, now: F.now)
            let notes = (1...4).map { F.note(F.tab17, UInt64($0), on: ticket, "note \($0)") }
            // North relays E17's first three; the fourth E17's tablet pushes at central itself.
            _ = try await F.ingest(store, Array(notes[0..<3]), from: Self.north, replica: Self.northNode)
            _ = try await F.ingest(store, Array(notes[0..<4]), from: F.e17, replica: F.tab17)
            let (ops, _) = try await F.pull(store, Self.north, as: Self.northNode, atLeast: 2)
            #expect(ops.map(\.id) == [created.id, notes[3].id], "north got back what it relayed: \(ops.map(\.id))")
            // Another depot serving E17 gets everything.
            _ = try await store.setDepotMember(depot: "south", engineer: "E17", member: true, now: F.now)
            let (all, _) = try await F.pull(store, Self.south, as: Self.southNode, atLeast: 5)
            #expect(Set(all.map(\.id)) == Set([created.id] + notes.map(\.id)))
            // E17's tablet is not a depot: it pulls the dispatcher's op, its own left out as ever.
            let (own, _) = try await F.pull(store, F.e17, as: F.tab17, atLeast: 1)
            #expect(own.map(\.id) == [created.id])
        }
    }

    static let mine = Principal(name: "mine2", role: .depot)
    static let mineNode = ReplicaID("node-0000a003")!

    @Test(arguments: Backend.allCases)
    func aDepotRelaysTheDepotsBelowIt(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let (t17, t18) = ("T1-dispatch-1", "T2-dispatch-1")
            _ = try await F.ingest(
                store, [F.created(F.desk, 1, t17, assignee: "E17"), F.created(F.desk, 2, t18, assignee: "E18")], from: F.dispatcher, replica: F.desk)
            let (_, r17) = try await store.createToken(name: "E17", role: .engineer, now: F.now)
            let (_, rMine) = try await store.createToken(name: "mine2", role: .depot, now: F.now)
            for name in ["south", "north", "shaft"] + (0...16).map({ "d\($0)" }) { _ = try await store.createToken(name: name, role: .depot, now: F.now) }
            // Only depots are relayed: an engineer, or a name with no token, is refused.
            #expect(await F.refusal { try await store.setDepotRelay(parent: "north", child: "E17", relayed: true, now: F.now) } == .invalidOp)
            #expect(await F.refusal { try await store.setDepotRelay(parent: "north", child: "pit9", relayed: true, now: F.now) } == .invalidOp)
            #expect(await F.refusal { try await store.setDepotRelay(parent: "E17", child: "mine2", relayed: true, now: F.now) } == .invalidOp)
            #expect(try await store.depotTree(of: "north").relays.isEmpty)
            // A depot is no engineer, nor an engineer a depot.
            #expect(await F.refusal { try await store.setDepotMember(depot: "north", engineer: "mine2", member: true, now: F.now) } == .invalidOp)
            #expect(await F.refusal { try await store.setDepotMember(depot: "E17", engineer: "E18", member: true, now: F.now) } == .invalidOp)
            #expect(try await store.depotMembers(of: "north").isEmpty)
            #expect(try await store.depotMembers(of: "E17").isEmpty)
            // mine2 serves E17, and north relays mine2: north serves E17 too.
            #expect(try await store.setDepotRelay(parent: "north", child: "mine2", relayed: true, now: F.now))
            #expect(try await !store.setDepotRelay(parent: "north", child: "mine2", relayed: true, now: F.now), "added twice: no change")
            _ = try await store.setDepotMember(depot: "mine2", engineer: "E17", member: true, now: F.now)
            #expect(try await store.depotMembers(of: "north").map(\.engineer) == ["E17"])
            #expect(try await store.depotMembers(of: "mine2").map(\.engineer) == ["E17"])
            #expect(try await store.depotTree(of: "north").relayed(by: "north") == ["mine2"])
            // North takes E17's token and mine2's, no one else's.
            #expect(Set(try await store.memberTokens(of: "north").map(\.record.id)) == [r17.id, rMine.id])
            #expect(try await store.memberTokens(of: "mine2").map(\.record.id) == [r17.id])

            // A loop, a second upstream, a depot relaying itself, more than 16 deep, a name no
            // principal has: each refused, nothing recorded.
            _ = try await store.setDepotRelay(parent: "mine2", child: "shaft", relayed: true, now: F.now)
            for (parent, child) in [("mine2", "north"), ("shaft", "north"), ("south", "mine2"), ("north", "north"), ("north", "a b"), ("", "x"), (String(repeating: "d", count: 65), "x")] {
                #expect(await F.refusal { try await store.setDepotRelay(parent: parent, child: child, relayed: true, now: F.now) } == .invalidOp, "\(parent) → \(child)")
            }
            let chain = (0..<16).map { "d\($0)" }
            for (parent, child) in zip(chain, chain.dropFirst()) { _ = try await store.setDepotRelay(parent: parent, child: child, relayed: true, now: F.now) }
            #expect(await F.refusal { try await store.setDepotRelay(parent: "d15", child: "d16", relayed: true, now: F.now) } == .invalidOp, "17 deep")
            #expect(try await store.depotTree(of: "north").relayed(by: "north") == ["mine2", "shaft"])
            #expect(try await store.depotTree(of: "south").relayed(by: "south").isEmpty)

            // North relays E17's device, pushed at mine2; it is E17's, on E17's ticket.
            let relayed = try await F.ingest(store, [F.note(F.tab17, 1, on: t17)], from: Self.north, replica: Self.northNode)
            #expect(relayed.acked[F.tab17] == 1 && relayed.quarantined.isEmpty)
            #expect(try await store.owner(of: F.tab17) == "E17")
            // North sees E17's ticket (as mine2 does), not E18's.
            let (ops, _) = try await F.pull(store, Self.north, as: Self.northNode, atLeast: 2)
            #expect(Set(ops.map(\.subject.rawValue)) == [t17], "\(ops.map(\.id))")
            // Another depot relays none of it.
            #expect(await F.refusal { try await F.ingest(store, [F.note(F.tab17, 2, on: t17)], from: Self.south, replica: Self.southNode) } == .forbidden)

            // What north adopts: the relays it reaches and mine2's engineers, not its own.
            _ = try await store.setDepotMember(depot: "north", engineer: "E18", member: true, now: F.now)
            let below = try await store.depotTree(of: "north").below("north")
            #expect(below.relays.map { "\($0.parent)→\($0.child)" } == ["mine2→shaft", "north→mine2"])
            #expect(below.members.map { "\($0.depot):\($0.member.engineer)" } == ["mine2:E17"])

            // North relays mine2 no more: E17 is north's no longer, their tokens stop going
            // there, and no new device of E17's comes in through it; what north took stays.
            #expect(try await store.setDepotRelay(parent: "north", child: "mine2", relayed: false, now: F.now + 5))
            let members = try await store.depotMembers(of: "north")
            #expect(members.map(\.engineer).sorted() == ["E17", "E18"] && members.first { $0.engineer == "E17" }?.removedAt == F.now + 5)
            #expect(try await !store.memberTokens(of: "north").contains { $0.record.id == r17.id || $0.record.id == rMine.id })
            #expect(await F.refusal { try await F.ingest(store, [F.note(ReplicaID("e17-new")!, 1, on: t17)], from: Self.north, replica: Self.northNode) } == .forbidden)
            #expect(try await F.ingest(store, [F.note(F.tab17, 2, on: t17)], from: Self.north, replica: Self.northNode).acked[F.tab17] == 2)
            // mine2 may now be relayed by south.
            #expect(try await store.setDepotRelay(parent: "south", child: "mine2", relayed: true, now: F.now + 6))
            #expect(try await store.depotMembers(of: "south").map(\.engineer) == ["E17"])
        }
    }

    @Test(arguments: Backend.allCases)
    func aSubDepotsOwnReplicaGoesUpAsItsOwn(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let ticket = "T1-dispatch-1"
            _ = try await F.ingest(store, [F.created(F.desk, 1, ticket, assignee: "E18")], from: F.dispatcher, replica: F.desk)
            for name in ["north", "mine2", "south"] { _ = try await store.createToken(name: name, role: .depot, now: F.now) }
            _ = try await store.createToken(name: "E17", role: .engineer, now: F.now)
            _ = try await store.setDepotRelay(parent: "north", child: "mine2", relayed: true, now: F.now)
            let claim = RelayedReplica(replica: Self.mineNode.rawValue, depot: "mine2")

            // Unclaimed, mine2's replica is no one north may relay.
            let mineStock = StockLocation("depot:mine2")!
            let received = StockConformanceTests.stockOp(Self.mineNode, 1, on: mineStock.entity, StockReceived(part: "CAP", quantity: Quantity(7)))
            #expect(await F.refusal { try await F.ingest(store, [received], from: Self.north, replica: Self.northNode) } == .forbidden)

            // Hostile claims: an engineer's device id, a depot north does not relay, a replica
            // another principal owns, a malformed id, a claim by a depot that relays nothing.
            let hostile = [
                RelayedReplica(replica: "e17-tab", depot: "mine2"), RelayedReplica(replica: "node-0000b001", depot: "south"),
                RelayedReplica(replica: F.desk.rawValue, depot: "mine2"), RelayedReplica(replica: "Node 1", depot: "mine2"),
            ]
            #expect(try await store.claimRelayedReplicas(hostile, by: "north").map(\.replica).sorted() == ["Node 1", "dispatch-1", "e17-tab", "node-0000b001"])
            #expect(try await store.claimRelayedReplicas([claim], by: "south").count == 1)
            for replica in ["e17-tab", "node-0000b001"] { #expect(try await store.owner(of: ReplicaID(replica)!) == nil) }
            #expect(try await store.owner(of: F.desk) == F.dispatcher.name)

            // North's claim: mine2's replica is mine2's, and its own stock goes up as mine2's.
            #expect(try await store.claimRelayedReplicas([claim], by: "north").isEmpty)
            #expect(try await store.claimRelayedReplicas([claim], by: "north").isEmpty, "claimed again: no refusal, no change")
            #expect(try await store.owner(of: Self.mineNode) == "mine2")
            // North's tree says so too: a depot put between them later knows whose it is.
            #expect(try await store.tree(below: "north").replicas == [claim])
            #expect(try await store.tree(below: "south").replicas == [])
            #expect(try await F.ingest(store, [received], from: Self.north, replica: Self.northNode).acked[Self.mineNode] == 1)
            // ...judged as mine2: not north's site stock, and not E18's ticket.
            let northStock = StockLocation("depot:north")!
            let foreign = StockConformanceTests.stockOp(Self.mineNode, 2, on: northStock.entity, StockReceived(part: "CAP", quantity: Quantity(1)))
            #expect(await F.refusal { try await F.ingest(store, [foreign], from: Self.north, replica: Self.northNode) } == .forbidden)
            let note = F.note(Self.mineNode, 2, on: ticket)
            #expect(try await F.ingest(store, [note], from: Self.north, replica: Self.northNode).quarantined == [note.id])
            #expect(try await store.quarantine().map(\.principal) == ["mine2"])
            // South relays no mine2: it may not push mine2's replica.
            let more = StockConformanceTests.stockOp(Self.mineNode, 3, on: mineStock.entity, StockReceived(part: "CAP", quantity: Quantity(1)))
            #expect(await F.refusal { try await F.ingest(store, [more], from: Self.south, replica: Self.southNode) } == .forbidden)
        }
    }
}
