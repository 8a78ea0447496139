import FieldTestSupport
import Foundation

/// One depot of the crash and link campaigns' relay tree (M8, ``RelayTreeRig``): a real
/// `fieldsync-node serve --upstream` relaying every second to its upstream (central, or the
/// depot that relays it). Some replicas sync there instead of at central; the campaigns
/// kill -9 it (crash) and cut and stall north's uplink (link).
final class DepotHop: @unchecked Sendable {
    // @unchecked: driven from the campaign's one thread only.
    let name: String
    let process: ChaosNode
    /// The engineers it serves: its own members and those of the depots it relays.
    let engineers: [String]
    /// Its upstream in reports: "the node" or the relaying depot's name.
    let upstreamName: String
    private let token: String
    /// Where it relays now (its upstream, or a proxy in front of it).
    var upstream: String { process.extraArgs[1] }
    private(set) var restarts = 0

    /// `fieldsync-node status --json`'s upstream entry.
    struct Upstream: Decodable {
        let url: String
        let lastSync: String?
        let opsWaiting: UInt64
        let blobsWaiting: Int
        let lastError: String?
    }

    /// At `central`: a depot token for `name`, `parent` (if any) made its upstream, and
    /// `members` made its engineers. Returns the token.
    static func register(_ name: String, at central: ChaosNode, members: [String], relayedBy parent: String? = nil) throws -> String {
        let token = try central.adminOK("token", "create", "--role", "depot", "--name", name)
        if let parent { _ = try central.adminOK("depot", "add-relay", parent, name) }
        for engineer in members { _ = try central.adminOK("depot", "add-engineer", name, engineer) }
        return token
    }

    /// Starts the depot `name` (registered at central with `token`) in `data`, relaying to
    /// `upstream`, and waits until it synced once and holds `tickets` tickets (a sub-depot
    /// gets 401 until its upstream adopted its token: SPEC §8).
    init(_ name: String, data: String, token: String, upstream: String, upstreamName: String, engineers: [String], tickets: Int) throws {
        self.name = name
        self.token = token
        self.engineers = engineers
        self.upstreamName = upstreamName
        process = try ChaosNode(data: data, extraArgs: Self.serveArgs(upstream, token))
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            if try status()?.lastSync != nil, try ticketDigests().count == tickets { return }
            usleep(200_000)
        }
        throw ChaosError("the depot \(name) did not pull its engineers' \(tickets) tickets in 90 s: \(process.logTail)")
    }

    private static func serveArgs(_ upstream: String, _ token: String) -> [String] {
        ["--upstream", upstream, "--upstream-token", token, "--upstream-interval", "1"]
    }

    var url: String { process.url }
    var data: String { process.data }

    /// kill -9 (the campaign counts its kills).
    func kill9() { process.kill9() }

    /// Starts it again on its data (and port, if free); true if its port moved.
    @discardableResult
    func restart() throws -> Bool {
        restarts += 1
        return try process.restart()
    }

    /// Relays to `url` from now on (restarted with it); true if its own port moved.
    @discardableResult
    func relay(to url: String) throws -> Bool {
        guard url != upstream || !process.isRunning else { return false }
        restarts += 1
        return try process.restart(extraArgs: Self.serveArgs(url, token))
    }

    /// How its relay to its current upstream stands.
    func status() throws -> Upstream? {
        let r = try Bin.run("fieldsync-node", ["status", "--data", process.data, "--json"])
        guard r.status == 0 else { throw ChaosError("fieldsync-node status --data \(process.data): \(r.stderr)") }
        struct Status: Decodable { let upstreams: [Upstream] }
        let upstream = self.upstream
        return try JSONDecoder().decode(Status.self, from: Data(r.stdout.utf8)).upstreams.first { $0.url == upstream }
    }

    /// Ticket id -> state digest at the depot.
    func ticketDigests() throws -> [String: String] {
        let list = try JSONSerialization.jsonObject(with: Data(try process.adminOK("tickets", "--json").utf8)) as? [[String: Any]] ?? []
        return Dictionary(list.compactMap { t in (t["id"] as? String).map { ($0, t["digest"] as? String ?? "") } }) { a, _ in a }
    }

    /// Waits (up to `limit` s) until the relay has caught up with everything the depot held
    /// when called: its sync time moved three times, each at least 0.5 s after the one
    /// before (so at least one whole round, photos included, began after the call: rounds
    /// are a second apart, a round's pages follow at once), and then nothing waits. Returns
    /// nil when drained, else how it stands.
    func drain(limit: Double = 120) -> String? {
        let deadline = Date().addingTimeInterval(limit)
        var last = try? status()?.lastSync
        var moves: [Date] = []
        var seen: Upstream?
        while Date() < deadline {
            usleep(100_000)
            guard process.isRunning else { return "the depot \(name) is not running: \(process.crashLine ?? process.logTail)" }
            guard let now = try? status() else { continue }
            seen = now
            if now.lastSync != last {
                last = now.lastSync
                if moves.last.map({ Date().timeIntervalSince($0) >= 0.5 }) ?? true { moves.append(Date()) }
            }
            if moves.count >= 3, now.opsWaiting == 0, now.blobsWaiting == 0 { return nil }
        }
        return seen.map { "\($0.opsWaiting) ops and \($0.blobsWaiting) photos still waiting after \(Int(limit)) s; last error: \($0.lastError ?? "none")" }
            ?? "no status for upstream \(upstream)"
    }
}
