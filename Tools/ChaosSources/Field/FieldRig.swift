import FieldTestSupport
import Foundation

/// One long-lived field for the crash and link campaigns: a real node, two engineers with
/// tickets, and three real replicas (E1's phone and tablet, E2's tablet). With a depot
/// (``DepotHop``), E1 and E2 are its members and the two tablets sync there, the phone at
/// the node (central): E1's tickets cross both hops.
final class FieldRig: @unchecked Sendable {
    // @unchecked: driven from the campaign's one thread only.
    let scratch: Scratch
    let node: ChaosNode
    let replicas: [Replica]
    private(set) var depot: DepotHop?
    /// The replicas that sync at the depot (none without one).
    private(set) var atDepot: Set<String> = []
    private(set) var tickets: [String: [String]] = [:]
    private var tokens: [String: String] = [:]
    /// Every photo a replica attached: SHA-256 -> (original file, bytes).
    private(set) var originals: [String: (path: String, size: Int)] = [:]
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
        if withDepot {
            let count = tickets.values.reduce(0) { $0 + $1.count }
            depot = try DepotHop(data: scratch.sub("depot"), central: node, engineers: ["E1", "E2"], tickets: count)
            atDepot = ["e1-tablet", "e2-tablet"]
        }
        for replica in replicas { try replica.setUp(node: home(of: replica, central: node.url), token: tokens[replica.name]!) }
    }

    /// Where `replica` syncs: its depot, or `central` (the node, or a proxy in front of it).
    func home(of replica: Replica, central: String) -> String {
        guard let depot, atDepot.contains(replica.name) else { return central }
        return depot.url
    }

    /// Points every replica at `url` (the node, or a proxy in front of it), the depot's too
    /// (a link mode's device roams to central).
    func connect(to url: String) throws {
        for replica in replicas { try replica.login(node: url, token: tokens[replica.name]!) }
    }

    /// Points every replica back at where it syncs: the depot's at the depot, the others at
    /// `central`.
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

    /// The depot is started again; if its port moved, its replicas follow (`central`: where
    /// the others sync).
    func restartDepot(central: String) throws {
        guard let depot else { return }
        if try depot.restart() { try connectHome(central: central) }
    }

    /// A new ticket from dispatch, assigned to `engineer`.
    @discardableResult
    func dispatch(to engineer: String) throws -> String {
        let id = try InputSetup.dispatch(node, to: engineer)
        tickets[engineer, default: []].append(id)
        return id
    }

    /// Notes a photo the harness wrote, with what the CLI said its SHA-256 is.
    func attached(path: String, size: Int, sha: String) {
        if let mine = OpTable.fileSHA256(path), mine != sha { photoMismatches.append("\(path): the CLI said \(sha), the file is \(mine)") }
        originals[sha] = (path, size)
    }

    /// A photo no replica and not the node can hold any more (the restore campaign: its
    /// device was put back from a backup taken before it was attached).
    func forgetPhoto(_ sha: String) { originals.removeValue(forKey: sha) }

    var runs: String { scratch.sub("runs") }

    func tearDown() {
        depot?.process.stop()
        node.stop()
        scratch.remove()
    }
}
