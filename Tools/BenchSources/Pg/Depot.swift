import FieldClient
import FieldModel
import FieldStore
import Foundation

/// The engineers' tablets for one shift end against one central: each pulled its morning
/// through its node and then recorded its day offline, as in SyncBench. Engineer `i` (in
/// the order of `days`) syncs through node `i mod n`: round-robin, as a load balancer
/// would spread them.
struct Depot {
    let days: [EngineerDay]
    let replicas: [Int: FieldReplica]
    /// An engineer with nothing to push, whose pulls are timed (``PullLatency``), if any.
    let idle: FieldReplica?
    /// Ops the tablets recorded beyond their days' (photos attached after `prepare`): the
    /// shift end expects them pushed too.
    var extraOps = 0
    /// Whether each engineer's sync also sends the photos the node lacks, after its ops, as
    /// `fieldsync sync` does (``DepotBench``; `pg`'s workload attaches none).
    var sendsPhotos = false

    static func prepare(_ days: [EngineerDay], idle: EngineerDay?, central: BenchCentral, in dir: TempDirectory, now: UInt64) async throws -> Depot {
        try await prepare(days, idle: idle, urls: central.urls, tokens: central.tokens, in: dir, now: now)
    }

    /// The same, for tablets that sync at `urls` (a node each, round-robin) with `tokens`
    /// by engineer: a central's nodes, or a depot (``DepotBench``).
    static func prepare(_ days: [EngineerDay], idle: EngineerDay?, urls: [String], tokens: [Int: String], in dir: TempDirectory, now: UInt64) async throws -> Depot {
        // A few at a time: setting up is not measured, and 200 tablets one by one take long.
        let lanes = 4
        let replicas = try await withThrowingTaskGroup(of: [(Int, FieldReplica)].self) { group in
            for lane in 0..<lanes {
                let mine = days.enumerated().filter { $0.offset % lanes == lane }
                group.addTask {
                    var made: [(Int, FieldReplica)] = []
                    for (i, day) in mine {
                        let replica = try await tablet(day.replica, engineer: day.engineer, url: urls[i % urls.count], token: tokens[day.engineer], in: dir)
                        try replica.store.apply(day.ops, now: now)
                        made.append((day.engineer, replica))
                    }
                    return made
                }
            }
            return try await group.reduce(into: [Int: FieldReplica]()) { all, made in for (e, r) in made { all[e] = r } }
        }
        var idleReplica: FieldReplica?
        if let idle {
            // By another name of the same address: this process's one HTTP client pools
            // connections per host (8 each), so under its own name the idle engineer's pulls
            // get their own connection, as a real tablet would, instead of queueing behind the
            // 200 pushes (which measured the client's queue, and met its 10 s deadline).
            let own = urls[0].replacingOccurrences(of: "//127.0.0.1:", with: "//localhost:")
            idleReplica = try await tablet(idle.replica, engineer: idle.engineer, url: own, token: tokens[idle.engineer], in: dir)
        }
        return Depot(days: days, replicas: replicas, idle: idleReplica)
    }

    /// A new replica of `engineer`'s in its own home, linked to `url` with their token,
    /// after its first sync (the morning's pull).
    static func tablet(_ id: ReplicaID, engineer: Int, url: String, token: String?, in dir: TempDirectory) async throws -> FieldReplica {
        let home = FieldHome(explicit: dir.file(id.rawValue))
        try FileManager.default.createDirectory(atPath: home.path, withIntermediateDirectories: true)
        _ = try ReplicaStore.create(at: home.replicaPath, replica: id, engineer: "E\(engineer)")
        guard let token else { throw BenchError("no token for E\(engineer)") }
        try NodeLink.save(home: home, url: url, token: token)
        let replica = try FieldReplica.open(home: home)
        _ = try await SyncClient(replica: replica, link: try NodeLink.load(home: home)).sync()
        return replica
    }

    /// What one shift end took.
    struct ShiftEnd {
        var seconds: Double
        var slowest: Double
        var pushed: Int
        var opsPerSecond: Double { Double(pushed) / seconds }
        /// The idle engineer's pull latencies (seconds) that ended while pushes were in flight.
        var pulls: [Double] = []
        /// Syncs that could not reach their node and were made again (``syncAgainIfUnreachable``).
        var retried = 0
        /// The idle engineer's pulls that got no answer.
        var failedPulls = 0
    }

    /// Every engineer syncs their day at once; meanwhile the idle engineer, if any, pulls
    /// again and again, each pull timed.
    func shiftEnd() async throws -> ShiftEnd {
        let expected = days.reduce(0) { $0 + $1.ops.count } + extraOps
        let (pushing, idle, days, replicas, retries, failedPulls, photos) = (Flag(), idle, days, replicas, Counter(), Counter(), sendsPhotos)
        let started = ContinuousClock.now
        async let pulls = PullLatency.pulls(by: idle, while: pushing, failed: failedPulls)
        let reports: [(Double, SyncReport)]
        do {
            defer { pushing.lower() }
            reports = try await withThrowingTaskGroup(of: (Double, SyncReport).self) { group in
                for day in days {
                    let replica = replicas[day.engineer]!
                    group.addTask { try await Depot.syncAgainIfUnreachable(replica, retries: retries, photos: photos) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        let total = SyncBench.elapsed(since: started)
        let pushed = reports.reduce(0) { $0 + $1.1.pushed }
        guard pushed == expected else { throw BenchError("the nodes acknowledged \(pushed) of \(expected) ops") }
        return ShiftEnd(seconds: total, slowest: reports.map(\.0).max() ?? 0, pushed: pushed, pulls: try await pulls, retried: retries.value, failedPulls: failedPulls.value)
    }

    /// One engineer's sync, from the start, as an engineer would do it: syncing again when
    /// it could not reach the node. All the tablets of this process share FieldClient's one
    /// HTTP client, 8 connections per node, and a request that waits longer than its 10 s
    /// connect timeout for one of them fails unsent; 200 real tablets would each have their
    /// own. A slow shift end (over 10 s) meets it; the retries are counted and printed.
    /// With `photos`, the sync then sends the photos the node lacks.
    static func syncAgainIfUnreachable(_ replica: FieldReplica, retries: Counter, photos: Bool = false) async throws -> (Double, SyncReport) {
        let started = ContinuousClock.now
        var attempts = 1
        var pushed = 0
        while true {
            do {
                // An attempt whose connection broke after the push was taken is acknowledged
                // by the next one, and counted as pushed there.
                var report = try await SyncBench.syncing(replica).report
                pushed += report.pushed
                if photos {
                    let (moved, refused) = try await BlobTransfer(replica: replica, link: try NodeLink.load(home: replica.home)).uploadPending()
                    if let first = refused.first { throw BenchError("the node refused a photo of \(replica.engineer): \(first)") }
                    report.blobsUploaded = moved.blobs
                    report.blobBytesUp = moved.bytes
                }
                report.pushed = pushed
                return (SyncBench.elapsed(since: started), report)
            } catch let error as ClientError where error.code == .nodeUnreachable && attempts < 5 {
                retries.add()
                attempts += 1
            }
        }
    }
}
