import FieldCentral
import FieldModel
import FieldNode
import FieldStore
import Foundation

/// Node ingest in-process, without HTTP: the 200 engineers' pushes, one push (one
/// transaction) per engineer, into PostgresNodeStore and into the SQLite node's
/// ReplicaStore (as SyncBench.ingest does), beside a raw SQLite insert of the same op rows
/// in the same transactions. Each on a fresh store seeded with the morning (untimed); runs
/// interleaved, so a burst of load on the shared machine hits every row alike.
enum PgIngest {
    /// Pushes in flight at once in the concurrent PostgreSQL row: what one node process's
    /// handlers do with a shift end's requests.
    static let lanes = 8

    struct Figures {
        var postgres: Measurement
        var postgresAtOnce: Measurement
        var sqlite: Measurement
        var raw: Measurement
    }

    static func run(days: [EngineerDay], morning: [Op], now: UInt64, runs: Int) async throws -> Figures {
        var err = StandardError()
        let ops = days.reduce(0) { $0 + $1.ops.count }
        var f = Figures(
            postgres: Measurement("PostgreSQL ingest, one by one", ops: ops),
            postgresAtOnce: Measurement("PostgreSQL ingest, \(lanes) at once", ops: ops),
            sqlite: Measurement("SQLite node ingest, one by one", ops: ops),
            raw: Measurement("raw SQLite insert, same txns", ops: ops))
        let rawInsert = RawInsert(days.flatMap(\.ops))
        for run in 1...runs {
            print("ingest, run \(run) of \(runs)…", to: &err)
            f.postgres.add(try await postgres(days, morning: morning, now: now, lanes: 1))
            f.postgresAtOnce.add(try await postgres(days, morning: morning, now: now, lanes: lanes))
            f.sqlite.add(try sqlite(days, morning: morning, now: now))
            f.raw.add(try rawInsert.run(transactions: days.map(\.ops.count)))
        }
        return f
    }

    /// Seconds to take in every engineer's push, `lanes` at a time, in a fresh database.
    static func postgres(_ days: [EngineerDay], morning: [Op], now: UInt64, lanes: Int) async throws -> Double {
        let url = try await BenchCentral.freshDatabase()
        let seconds = try await PostgresNodeStore.with(url: url, logger: benchLogger) { store in
            _ = try await store.ingest(
                morning, vouchers: nil, voucherKey: [], from: Principal(name: "dispatch", role: .dispatcher),
                replica: morning[0].id.replica, now: now, clockOffset: nil, maxAttachmentBytes: .max)
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<lanes {
                    let mine = days.enumerated().filter { $0.offset % lanes == lane }.map(\.element)
                    group.addTask {
                        for day in mine {
                            let result = try await store.ingest(
                                day.ops, vouchers: nil, voucherKey: [], from: Principal(name: "E\(day.engineer)", role: .engineer),
                                replica: day.replica, now: now, clockOffset: nil, maxAttachmentBytes: .max)
                            guard result.inserted == day.ops.count else { throw BenchError("PostgreSQL stored \(result.inserted) of \(day.ops.count)") }
                        }
                    }
                }
                try await group.waitForAll()
            }
            return SyncBench.elapsed(since: started)
        }
        try await BenchCentral.dropDatabase(url)
        return seconds
    }

    /// As SyncBench.ingest: the SQLite node's store, one push after another.
    static func sqlite(_ days: [EngineerDay], morning: [Op], now: UInt64) throws -> Double {
        let dir = try TempDirectory("ingest")
        defer { dir.remove() }
        let store = try NodeData.open(dir.path, concurrentReads: true)
        try store.apply(morning, now: now)
        return try seconds {
            for day in days {
                let result = try store.ingest(day.ops, from: Principal(name: "E\(day.engineer)", role: .engineer), replica: day.replica, now: now)
                guard result.inserted == day.ops.count else { throw BenchError("ingest stored \(result.inserted) of \(day.ops.count)") }
            }
        }
    }
}
