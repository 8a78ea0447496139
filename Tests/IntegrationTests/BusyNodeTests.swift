import FieldModel
import FieldStore
import FieldTestSupport
import FieldWire
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A node busy with heavy requests still answers light ones at once: the store's blocking
/// work runs on threads of its own, not on Swift's cooperative pool (M9). On a 2-core
/// machine that pool has two threads, so two heavy pulls used to hold every other request
/// back, `/healthz` included, until one of them ended.
@Suite(.serialized) struct BusyNodeTests {
    static func now() -> UInt64 { UInt64(Date().timeIntervalSince1970) * 1000 }

    /// POSTs a sync frame to the node at `url`, on a session of its own (a shared session
    /// queues requests past its connections per host, which would measure the client);
    /// the status and the decoded reply.
    static func post(_ url: String, _ body: [UInt8], token: String) async throws -> (Int, [WireMessage]) {
        var request = URLRequest(url: URL(string: url + "/v1/sync")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data(body)
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try Frame.decode([UInt8](data)))
    }

    /// The seconds since `start`, when `work` ends.
    static func finished(since start: Date, _ work: () async throws -> Void) async rethrows -> Double {
        try await work()
        return Date().timeIntervalSince(start)
    }

    @Test("first pulls of 5,000 ops each, six at once, do not delay /healthz or a one-op push")
    func heavyPullsDoNotDelayLightRequests() async throws {
        let field = try Field()
        // 20,000 notes on 40 of E1's tickets, written into the stopped node's own store: a
        // new device's first pull pages through them (5,000 ops a page), real work in SQLite.
        var tickets: [TicketID] = []
        try field.restartNode { folder in
            let store = try ReplicaStore.open(at: folder + "/node.sqlite")
            let now = Self.now()
            for t in 0..<40 {
                let (id, _) = try store.edit(now: now) { edit in
                    let id = try edit.createTicket(
                        TicketCreated(
                            customer: "Acme \(t)", site: "Plant", asset: "", deviceModel: "Chiller X2", category: "repair",
                            fault: "Compressor trips", priority: "normal", assignee: "E1", at: now)
                    ).subject
                    for n in 0..<500 { _ = try edit.record(.note(Note(text: "reading \(n): suction 4.1 bar, discharge 17.9 bar", at: now)), on: id) }
                    return id
                }
                tickets.append(id)
            }
        }
        let token = try field.token("E1")
        let pull = { @Sendable (device: String) in
            Frame.encode([.hello(Hello(replica: ReplicaID(device)!, clock: Self.now())), .pullRequest(PullRequest(cursor: [], maxOps: 5_000))])
        }
        // Warm: one pull first, so the six below do not also pay for the node's first reads.
        let url = field.node.url
        let (warm, _) = try await Self.post(url, pull("e1-warm"), token: token)
        try #require(warm == 200)

        let start = Date()
        let heavy = Task {
            try await withThrowingTaskGroup(of: (Double, Int, Int).self) { group in
                for d in 0..<6 {
                    group.addTask {
                        var status = 0
                        var ops = 0
                        let at = try await Self.finished(since: start) {
                            let (s, reply) = try await Self.post(url, pull("e1-heavy\(d)"), token: token)
                            status = s
                            ops = reply.reduce(0) { n, m in if case .pullPage(let p) = m { n + p.ops.count } else { n } }
                        }
                        return (at, status, ops)
                    }
                }
                var out: [(Double, Int, Int)] = []
                for try await r in group { out.append(r) }
                return out
            }
        }
        // The pulls are on their way (each takes far longer than this).
        try await Task.sleep(for: .milliseconds(150))
        var health = ""
        let healthAt = try await Self.finished(since: start) {
            let session = URLSession(configuration: .ephemeral)
            defer { session.finishTasksAndInvalidate() }
            let (data, _) = try await session.data(from: URL(string: url + "/healthz")!)
            health = String(decoding: data, as: UTF8.self)
        }
        var pushStatus = 0
        _ = try await Self.finished(since: start) {
            let note = Op(
                id: OpID(replica: ReplicaID("e1-light")!, counter: 1), wallMillis: Self.now(), logical: 0, subject: tickets[0],
                body: .note(Note(text: "light", at: Self.now())))
            (pushStatus, _) = try await Self.post(
                url, Frame.encode([.hello(Hello(replica: ReplicaID("e1-light")!, clock: Self.now())), .push(Push(ops: [note]))]), token: token)
        }
        let pulls = try await heavy.value

        #expect(health == "ok\n")
        #expect(pushStatus == 200)
        try #require(pulls.count == 6)
        // Every heavy pull did its work: a full page each.
        #expect(pulls.allSatisfy { $0.1 == 200 && $0.2 == 5_000 }, "\(pulls)")
        // The light requests were answered while every heavy one was still in flight.
        let firstPull = try #require(pulls.map(\.0).min())
        #expect(healthAt < firstPull, "healthz answered at \(healthAt) s, the first heavy pull at \(firstPull) s")
        // The push's own time in the node, beside the heavy pulls' (its log's `ms`): a push
        // queued behind them would take as long. Timed in the node, not here: in a test
        // process busy with hundreds of other tests, this task may wake long after the
        // node answered (seen: 7.1 s beside pulls of 7.0 s, while the node's push took ms).
        let log = field.node.log
        let pushMillis = try #require(Self.nodeMillis(log, replica: "e1-light").first, "the node logged no sync of e1-light")
        let pullMillis = (0..<6).compactMap { Self.nodeMillis(log, replica: "e1-heavy\($0)").first }
        try #require(pullMillis.count == 6, "the node logged \(pullMillis.count) of the 6 heavy pulls")
        #expect(pushMillis * 4 < pullMillis.min()!, "the one-op push took \(pushMillis) ms in the node, the heavy pulls \(pullMillis) ms")
    }

    /// The node's own milliseconds for each sync of `replica`, from its log lines
    /// (`… ms=12 … replica=e1-light status=200 [FieldNode] sync`).
    static func nodeMillis(_ log: String, replica: String) -> [Int] {
        log.split(separator: "\n").filter { $0.hasSuffix(" sync") && $0.contains(" replica=\(replica) ") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("ms=") }.flatMap { Int($0.dropFirst(3)) }
        }
    }
}
