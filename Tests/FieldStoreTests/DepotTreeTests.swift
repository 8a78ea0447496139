import FieldModel
import FieldStore
import Testing

/// Who a depot serves through the depots it relays (M8 trees), as ``DepotTree`` decides it.
@Suite struct DepotTreeTests {
    func relay(_ parent: String, _ child: String, removed: UInt64? = nil) -> DepotRelay { DepotRelay(parent: parent, child: child, addedAt: 1, removedAt: removed) }
    func member(_ depot: String, _ engineer: String, removed: UInt64? = nil) -> DepotMembership {
        DepotMembership(depot: depot, member: DepotMember(engineer: engineer, addedAt: 1, removedAt: removed))
    }

    @Test("a depot serves its own engineers and, at any depth, its sub-depots'; one reached only through a removed relay counts as removed then")
    func servedThroughRelays() {
        let tree = DepotTree(
            relays: [relay("region", "north"), relay("north", "mine2"), relay("region", "old", removed: 50), relay("old", "pit")],
            members: [member("region", "E1"), member("mine2", "E2"), member("old", "E3"), member("pit", "E4", removed: 40), member("pit", "E5")])
        let served = Dictionary(uniqueKeysWithValues: tree.served(by: "region").map { ($0.engineer, $0.removedAt) })
        #expect(served == ["E1": nil, "E2": nil, "E3": 50, "E4": 40, "E5": 50])
        #expect(tree.relayed(by: "region") == ["mine2", "north"])
        #expect(tree.seen(by: "region") == ["E1", "E2", "mine2", "north"])
        #expect(tree.served(by: "mine2").map(\.engineer) == ["E2"])
        // An engineer served both ways counts as served now.
        let twice = DepotTree(relays: tree.relays, members: tree.members + [member("north", "E3")])
        #expect(twice.served(by: "region").first { $0.engineer == "E3" }?.removedAt == nil)
    }

    @Test("an engineer who joined a sub-depot after its relay ended, or left it before the relay began, was never the parent's; nor are the depots of relays that never stood together")
    func servedWhileTheRelayStood() {
        let tree = DepotTree(
            relays: [
                DepotRelay(parent: "north", child: "mine2", addedAt: 100, removedAt: 200),
                DepotRelay(parent: "mine2", child: "shaft", addedAt: 300, removedAt: nil),
            ],
            members: [
                DepotMembership(depot: "mine2", member: DepotMember(engineer: "E1", addedAt: 50, removedAt: nil)),
                DepotMembership(depot: "mine2", member: DepotMember(engineer: "E2", addedAt: 250, removedAt: nil)),
                DepotMembership(depot: "mine2", member: DepotMember(engineer: "E3", addedAt: 10, removedAt: 90)),
                DepotMembership(depot: "mine2", member: DepotMember(engineer: "E4", addedAt: 10, removedAt: 150)),
                DepotMembership(depot: "shaft", member: DepotMember(engineer: "E5", addedAt: 10, removedAt: nil)),
            ])
        let served = Dictionary(uniqueKeysWithValues: tree.served(by: "north").map { ($0.engineer, $0.removedAt) })
        #expect(served == ["E1": 200, "E4": 150], "\(served)")
        #expect(tree.reach(from: "north")["shaft"] == nil, "north relayed mine2 until 200; mine2 relays shaft from 300")
        #expect(tree.served(by: "mine2").map(\.engineer).sorted() == ["E1", "E2", "E3", "E4", "E5"])
    }

    @Test("a depot relayed by one parent, then by another, was reached through each while it stood")
    func reparented() {
        let tree = DepotTree(
            relays: [
                DepotRelay(parent: "region", child: "p1", addedAt: 0, removedAt: nil), DepotRelay(parent: "region", child: "p2", addedAt: 0, removedAt: nil),
                DepotRelay(parent: "p1", child: "site", addedAt: 10, removedAt: 20), DepotRelay(parent: "p2", child: "site", addedAt: 30, removedAt: nil),
            ],
            members: [
                DepotMembership(depot: "site", member: DepotMember(engineer: "E1", addedAt: 12, removedAt: 18)),
                DepotMembership(depot: "site", member: DepotMember(engineer: "E2", addedAt: 35, removedAt: nil)),
            ])
        let served = Dictionary(uniqueKeysWithValues: tree.served(by: "region").map { ($0.engineer, $0.removedAt) })
        #expect(served == ["E1": 18, "E2": nil], "\(served)")
        #expect(tree.reach(from: "region")["site"]?.end == nil, "the standing path is the best")
    }

    @Test("a loop or a chain deeper than 16 that an upstream sent ends: it is read as far as a tree could go")
    func loopsAndDepthEnd() {
        let loop = DepotTree(relays: [relay("a", "b"), relay("b", "c"), relay("c", "a")], members: [member("c", "E1")])
        #expect(loop.relayed(by: "a") == ["b", "c"])
        #expect(loop.served(by: "b").map(\.engineer) == ["E1"])
        let names = (0...40).map { "d\($0)" }
        let chain = DepotTree(relays: zip(names, names.dropFirst()).map { relay($0, $1) }, members: names.map { member($0, "E-\($0)") })
        #expect(chain.relayed(by: "d0").count == DepotTree.maxDepth - 1, "at most 16 depots on a path, d0 included")
        #expect(chain.served(by: "d0").count == DepotTree.maxDepth)
    }
}
