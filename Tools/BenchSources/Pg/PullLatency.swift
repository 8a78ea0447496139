import FieldClient
import Synchronization

/// A pull's latency while others push: an engineer with nothing to push syncs again and
/// again (each sync one round trip: hello and a pull of what is new in scope, here nothing)
/// for as long as the shift end runs. Only pulls that ended before the last push was
/// acknowledged count: the figure is a pull *while 200 engineers push*.
enum PullLatency {
    static func pulls(by replica: FieldReplica?, while pushing: Flag, failed: Counter) async throws -> [Double] {
        guard let replica else { return [] }
        var samples: [Double] = []
        while pushing.isRaised {
            do {
                let (seconds, _) = try await SyncBench.syncing(replica)
                if pushing.isRaised { samples.append(seconds) }
            } catch let error as ClientError where error.code == .nodeUnreachable {
                // A pull that got no answer has no latency: it is counted as failed instead.
                failed.add()
            }
        }
        return samples
    }

    /// The same pulls with nothing else going on: the baseline beside them.
    static func idle(_ replica: FieldReplica, count: Int) async throws -> [Double] {
        var samples: [Double] = []
        for _ in 0..<count { samples.append(try await SyncBench.syncing(replica).seconds) }
        return samples
    }

    /// The nearest-rank percentile `p` (0…100) of `samples`.
    static func percentile(_ p: Double, of samples: [Double]) -> Double {
        guard !samples.isEmpty else { return .nan }
        let sorted = samples.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

/// Raised while the shift end runs; the pulling task watches it.
final class Flag: Sendable {
    private let raised = Atomic<Bool>(true)
    var isRaised: Bool { raised.load(ordering: .acquiring) }
    func lower() { raised.store(false, ordering: .releasing) }
}

/// Counts events across tasks.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .acquiring) }
    func add() { count.add(1, ordering: .relaxed) }
}
