import FieldTestSupport
import Foundation

/// The relay tree of the crash and link campaigns (M8, SPEC §8 "Relay trees"): central ←
/// `north` ← `mine2`. E1 is north's engineer, E2 mine2's (so north serves E2 too, through
/// the relay); E1's tablet syncs at north, E2's tablet at mine2 (its ops cross two hops),
/// E1's phone at central.
final class RelayTreeRig: @unchecked Sendable {
    // @unchecked: driven from the campaign's one thread only.
    let north: DepotHop
    let mine2: DepotHop
    /// Replica name -> the depot it syncs at (the others sync at central).
    let homes: [String: DepotHop]

    /// Registers both depots at `central` and starts them, north first (it must adopt
    /// mine2's token before mine2 can sync with it); `tickets`: each engineer's.
    init(scratch: Scratch, central: ChaosNode, tickets: [String: [String]]) throws {
        let northToken = try DepotHop.register("north", at: central, members: ["E1"])
        let mineToken = try DepotHop.register("mine2", at: central, members: ["E2"], relayedBy: "north")
        let count = { (engineers: [String]) in engineers.reduce(0) { $0 + (tickets[$1]?.count ?? 0) } }
        north = try DepotHop(
            "north", data: scratch.sub("depot"), token: northToken, upstream: central.url, upstreamName: "the node",
            engineers: ["E1", "E2"], tickets: count(["E1", "E2"]))
        mine2 = try DepotHop(
            "mine2", data: scratch.sub("mine2"), token: mineToken, upstream: north.url, upstreamName: "north",
            engineers: ["E2"], tickets: count(["E2"]))
        homes = ["e1-tablet": north, "e2-tablet": mine2]
    }

    /// Top down: each depot's upstream comes before it.
    var all: [DepotHop] { [north, mine2] }

    /// The replicas that sync at `depot`, by name.
    func replicas(at depot: DepotHop) -> [String] {
        homes.filter { $0.value === depot }.map(\.key).sorted()
    }

    /// Starts `depot` again (after a kill or a crash); if its port moved, the depot it
    /// relays follows. Returns whether its port moved (its replicas must follow).
    func restart(_ depot: DepotHop) throws -> Bool {
        guard try depot.restart() else { return false }
        if depot === north { try mine2.relay(to: north.url) }
        return true
    }
}
