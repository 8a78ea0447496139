import FieldTestSupport
import Foundation
import GRDB

/// One engineer's device: a real `fieldsync` home the harness drives by its CLI.
final class Replica: @unchecked Sendable {
    // @unchecked: driven from the campaign's one thread only.
    let name: String
    let engineer: String
    let home: String
    /// Its replica id (`e1-…`), known after init.
    private(set) var id = ""
    /// Every op id its commands said they recorded, in order.
    private(set) var ledger: [String] = []
    /// Part lines it added (for later removals), by ticket.
    private(set) var partLines: [String: [String]] = [:]
    /// The last refusal of `record` (exit status and standard error), for campaigns that
    /// check what a refusal says.
    private(set) var lastRefusal: (status: Int32, stderr: String)?

    init(name: String, engineer: String, home: String) {
        self.name = name
        self.engineer = engineer
        self.home = home
    }

    /// `fieldsync init` and `login`.
    func setUp(node url: String, token: String) throws {
        let made = try run(["init", "--engineer", engineer])
        guard made.status == 0 else { throw ChaosError("\(name): init: \(made.stderr)") }
        id = try OpTable.withDatabase(home + "/replica.sqlite") { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'replica'")
        } ?? made.stdout.split(separator: " ").dropFirst(2).first.map(String.init) ?? ""
        try login(node: url, token: token)
    }

    /// Every id it records or recorded under: the one it was made with, the ids a restored
    /// copy forks to (SPEC §9.3) from its store, and those of every op its commands
    /// recorded (a copy restored from before a fork does not know that id).
    func ids() throws -> Set<String> {
        try OpTable.withDatabase(home + "/replica.sqlite") { db in
            Set(try String.fetchAll(db, sql: "SELECT value FROM meta WHERE key = 'replica' UNION SELECT replica FROM own_replicas"))
        }.union([id]).union(ledger.compactMap { $0.split(separator: "@", maxSplits: 1).last.map(String.init) })
    }

    func login(node url: String, token: String) throws {
        let r = try run(["login", "--node", url, "--token", token])
        guard r.status == 0 else { throw ChaosError("\(name): login: \(r.stderr)") }
    }

    /// Runs `fieldsync ARGS` in this home to the end.
    func run(_ args: [String]) throws -> Ran {
        try Bin.run("fieldsync", args, env: ["FIELDSYNC_HOME": home])
    }

    /// Runs a recording command with `--json`; on success adds the ops it names to the
    /// ledger and returns its JSON, on a refusal returns nil.
    @discardableResult
    func record(_ args: [String]) throws -> [String: Any]? {
        let r = try run(args + ["--json"])
        guard r.status == 0, !r.killedBySignal else {
            if r.killedBySignal { throw ChaosError("\(name): fieldsync \(args.joined(separator: " ")) crashed: \(r.stderr)") }
            lastRefusal = (r.status, r.stderr)
            return nil
        }
        let object = r.object
        let ops = object["ops"] as? [String] ?? []
        ledger += ops
        if args.first == "part", args.dropFirst().first == "add", let line = object["line"] as? String {
            partLines[args[2], default: []].append(line)
        }
        return object
    }

    /// After the harness put this device back from a backup: what it is expected to hold
    /// of its own from now on (the restore campaign's ledger).
    func resetLedger(_ ids: [String]) { ledger = ids }

    /// A sync moved ops recorded after a restore to new ids (`renumbered`, old -> new):
    /// only entries from `from` on (recorded since the restore) follow.
    func renumber(_ moved: [String: String], from start: Int) {
        guard !moved.isEmpty, start < ledger.count else { return }
        for i in start..<ledger.count { if let new = moved[ledger[i]] { ledger[i] = new } }
    }

    func forgetPartLine(_ line: String, on ticket: String) { partLines[ticket]?.removeAll { $0 == line } }

    /// Starts `fieldsync sync --json` as a child the harness may kill.
    func startSync(scratch: String) throws -> Child {
        try Child("fieldsync", ["sync", "--json"], env: ["FIELDSYNC_HOME": home], outPath: scratch + "/\(name).sync.out", errPath: scratch + "/\(name).sync.err")
    }

    /// Ticket id -> state digest on this replica.
    func ticketDigests() throws -> [String: String] {
        let r = try run(["tickets", "--json"])
        guard r.status == 0 else { throw ChaosError("\(name): tickets: \(r.stderr)") }
        let list = r.json as? [[String: Any]] ?? []
        return Dictionary(list.compactMap { t in (t["id"] as? String).map { ($0, t["digest"] as? String ?? "") } }) { a, _ in a }
    }

    /// Its own op rows, read from its SQLite.
    func storedOps() throws -> [StoredOp] { try OpTable.read(home + "/replica.sqlite") }
}
