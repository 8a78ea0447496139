import FieldClient
import FieldModel
import FieldStore
import Foundation

/// "No op ever skipped", checked after a shift end (issue 24):
/// - the central's op log is exactly the morning's ops and every op pushed, each once: the
///   same count and the same ``OpLogDigest`` (ids and checksums, in id order) as those ops;
/// - every engineer's tablet, having pulled at the end of its sync, holds each of its
///   tickets as the central materialised it (the ticket digests are equal);
/// - a new tablet of a few engineers, each through another node, pulls its scope and gets
///   the same tickets, with the same digests.
enum NoSkip {
    struct Verdict {
        var failures: [String] = []
        var freshTablets = 0
        var passed: Bool { failures.isEmpty }
    }

    /// How many engineers get a new tablet that pulls everything again.
    static let freshTablets = 8

    static func check(
        _ central: BenchCentral, depot: Depot, morning: [Op], in dir: TempDirectory, label: String
    ) async throws -> Verdict {
        var verdict = Verdict()
        // New tablets first, while the nodes still serve.
        var fresh: [(Int, FieldReplica)] = []
        let step = max(1, depot.days.count / freshTablets)
        for (n, day) in depot.days.enumerated() where n % step == 0 && fresh.count < freshTablets {
            let id = ReplicaID("e\(day.engineer)-recheck-\(label)")!
            let url = central.urls[(n + 1) % central.urls.count]
            let tablet = try await Depot.tablet(id, engineer: day.engineer, url: url, token: central.tokens[day.engineer], in: dir)
            fresh.append((day.engineer, tablet))
        }
        verdict.freshTablets = fresh.count
        central.stop()

        let (log, tickets) = try await central.contents()
        var expected = OpLogDigest()
        let all = morning + depot.days.flatMap(\.ops)
        for op in all.sorted(by: { ($0.id.replica, $0.id.counter) < ($1.id.replica, $1.id.counter) }) { expected.add(op) }
        if log.count != expected.count {
            verdict.failures.append("the op log holds \(log.count) ops, not the \(expected.count) morning and pushed")
        } else if log != expected {
            verdict.failures.append("the op log holds \(log.count) ops but not the ones pushed (digest differs)")
        }

        let tablets = depot.days.map { ($0.engineer, depot.replicas[$0.engineer]!) } + fresh
        var differing = 0
        for (engineer, replica) in tablets {
            let mine = depot.days.first { $0.engineer == engineer }!.morning.map(\.subject.rawValue)
            let held = Dictionary(try replica.store.tickets().map { ($0.id, $0.digest) }, uniquingKeysWith: { a, _ in a })
            if Set(held.keys) != Set(mine) || mine.contains(where: { held[$0] != tickets[$0] }) { differing += 1 }
        }
        if differing > 0 {
            verdict.failures.append("\(differing) of \(tablets.count) tablets hold tickets other than the central's")
        }
        return verdict
    }
}
