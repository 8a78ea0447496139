import FieldTestSupport
import Foundation

/// One long-lived field for the crash and link campaigns: a real node, two engineers with
/// tickets, and three real replicas (E1's phone and tablet, E2's tablet). With depots
/// (``RelayTreeRig``: central ← north ← mine2), E1's tablet syncs at north, E2's at mine2, the
/// phone at the node (central): E1's tablet's ops go up one relay, E2's tablet's two.
final class FieldRig: @unchecked Sendable {
    // @unchecked: driven from the campaign's one thread only.
    let scratch: Scratch
    let node: ChaosNode
    let replicas: [Replica]
    private(set) var tree: RelayTreeRig?
    /// The depot that relays to the node (north), if any.
    var depot: DepotHop? { tree?.north }
    /// The depot north relays (mine2), if any.
    var subDepot: DepotHop? { tree?.mine2 }
    /// Every depot, top down (none without a tree).
    var depots: [DepotHop] { tree?.all ?? [] }
    private(set) var tickets: [String: [String]] = [:]
    private var tokens: [String: String] = [:]
    /// Every photo a replica attached: SHA-256 -> (original file, bytes).
    private(set) var originals: [String: (path: String, size: Int)] = [:]
    /// Whose ticket each photo is on: SHA-256 -> engineer.
    private(set) var photoEngineers: [String: String] = [:]
    /// Photos whose CLI-reported SHA-256 differed from the file's.
    private(set) var photoMismatches: [String] = []

    /// `scratch`: a folder the campaign made (the disk campaign mounts small file systems
    /// on `node` and a device's home in it first); `nodeArgs` go to `serve`.
    init(_ name: String, scratch made: Scratch? = nil, nodeArgs: [String] = [], depot withDepot: Bool = false) throws {
        scratch = try made ?? Scratch(name)
        try FileManager.default.createDirectory(atPath: scratch.sub("photos"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.sub("runs"), withIntermediateDirectories: true)
        node = try ChaosNode(data: scratch.sub("node"), extraArgs: nodeArgs)
        replicas = [
            Replica(name: "e1-phone", engineer: "E1", home: scratch.sub("e1-phone")),
            Replica(name: "e1-tablet", engineer: "E1", home: scratch.sub("e1-tablet")),
            Replica(name: "e2-tablet", engineer: "E2", home: scratch.sub("e2-tablet")),
        ]
        for engineer in ["E1", "E2"] {
            for _ in 0..<(engineer == "E1" ? 3 : 2) { try dispatch(to: engineer) }
        }
        // Made at the node; a depot adopts its engineers' at its first sync (SPEC §8).
        for replica in replicas {
            tokens[replica.name] = try node.adminOK("token", "create", "--role", "engineer", "--name", replica.engineer)
        }
        if withDepot { tree = try RelayTreeRig(scratch: scratch, central: node, tickets: tickets) }
        for replica in replicas { try replica.setUp(node: home(of: replica, central: node.url), token: tokens[replica.name]!) }
    }

    /// Where `replica` syncs: its depot, or `central` (the node, or a proxy in front of it).
    func home(of replica: Replica, central: String) -> String {
        tree?.homes[replica.name]?.url ?? central
    }

    /// The replicas that sync at `depot`, by name.
    func replicas(at depot: DepotHop) -> [String] { tree?.replicas(at: depot) ?? [] }

    /// Points every replica at `url` (the node, or a proxy in front of it), the depot's too
    /// (a link mode's device roams to central).
    func connect(to url: String) throws {
        for replica in replicas { try replica.login(node: url, token: tokens[replica.name]!) }
    }

    /// Points every replica back at where it syncs: the depots' at their depot, the others
    /// at `central`.
    func connectHome(central url: String) throws {
        for replica in replicas { try replica.login(node: home(of: replica, central: url), token: tokens[replica.name]!) }
    }

    /// The node is started again (after a kill or a crash); if it came back on another port,
    /// every replica and the depot's relay follow it.
    func restartNode() throws {
        guard try node.restart() else { return }
        try depot?.relay(to: node.url)
        try connectHome(central: node.url)
    }

    /// `depot` is started again; if its port moved, its replicas (and the depot it relays)
    /// follow (`central`: where the others sync).
    func restartDepot(_ depot: DepotHop, central: String) throws {
        guard let tree else { return }
        if try tree.restart(depot) { try connectHome(central: central) }
    }

    /// A new ticket from dispatch, assigned to `engineer`.
    @discardableResult
    func dispatch(to engineer: String) throws -> String {
        let id = try InputSetup.dispatch(node, to: engineer)
        tickets[engineer, default: []].append(id)
        return id
    }

    /// Notes a photo the harness wrote on one of `engineer`'s tickets, with what the CLI
    /// said its SHA-256 is.
    func attached(path: String, size: Int, sha: String, engineer: String) {
        if let mine = OpTable.fileSHA256(path), mine != sha { photoMismatches.append("\(path): the CLI said \(sha), the file is \(mine)") }
        originals[sha] = (path, size)
        photoEngineers[sha] = engineer
    }

    /// A photo no replica and not the node can hold any more (the restore campaign: its
    /// device was put back from a backup taken before it was attached).
    func forgetPhoto(_ sha: String) {
        originals.removeValue(forKey: sha)
        photoEngineers.removeValue(forKey: sha)
    }

    var runs: String { scratch.sub("runs") }

    func tearDown() {
        for depot in depots.reversed() { depot.process.stop() }
        node.stop()
        scratch.remove()
    }
}
