import FieldClient
import FieldModel
import FieldNode
import FieldStore
import Foundation

/// `Tools/bench sync`: the real node process on loopback and real replicas syncing
/// through the client library.
///
/// 1. One engineer's day: push + pull wall time, alone.
/// 2. A depot's shift end: 200 engineers syncing their day at once; total seconds, ops/s.
/// 3. Node ingest (checks, op log, model, materialised tickets, scope) of the same 200
///    pushes, in-process, beside a raw SQLite insert of the same op rows committed in
///    the same 200 transactions.
enum SyncBench {
    static let engineers = 200

    static func run() async throws {
        var err = StandardError()
        print("generating the workload…", to: &err)
        // Engineer 201 is the one measured alone, on the same node, before the others.
        var shape = ShiftWorkload.Shape.standard
        shape.engineers = engineers + 1
        let workload = ShiftWorkload.generate(shape)
        let days = workload.days
        let dayOps = days.prefix(engineers).reduce(0) { $0 + $1.ops.count }

        print("FieldSync sync benchmark: the real fieldsync-node on 127.0.0.1, replicas syncing through FieldClient")
        print("workload: \(engineers) engineers × \(shape.ticketsPerEngineer) tickets, \(Format.grouped(dayOps)) ops in their day (\(dayOps / engineers) each)")
        print("")

        let dir = try TempDirectory("sync")
        defer { dir.remove() }
        let nodeData = dir.file("node")
        var tokens: [Int: String] = [:]
        do {
            let store = try NodeData.open(nodeData)
            try store.apply(days.flatMap(\.morning), now: shape.morning)
            for day in days { tokens[day.engineer] = try store.createToken(name: "E\(day.engineer)", role: .engineer, now: shape.morning).token }
        }
        let node = try NodeServer(data: nodeData)
        defer { node.stop() }

        print("setting up \(days.count) replicas (morning pull, then the day recorded offline)…", to: &err)
        var replicas: [Int: FieldReplica] = [:]
        for day in days {
            let home = FieldHome(explicit: dir.file("e\(day.engineer)"))
            try FileManager.default.createDirectory(atPath: home.path, withIntermediateDirectories: true)
            let store = try ReplicaStore.create(at: home.replicaPath, replica: day.replica, engineer: "E\(day.engineer)")
            try NodeLink.save(home: home, url: node.url, token: tokens[day.engineer]!)
            let replica = try FieldReplica.open(home: home)
            _ = try await SyncClient(replica: replica, link: try NodeLink.load(home: home)).sync()
            try store.apply(day.ops, now: shape.morning)
            replicas[day.engineer] = replica
        }

        let lone = days[engineers]
        let loneReport = try await syncing(replicas[lone.engineer]!)
        print(Format.left("one engineer's day, push + pull", 40) + "\(Format.fixed(loneReport.seconds * 1000, 1)) ms   "
              + "(\(lone.ops.count) ops up, \(loneReport.report.pulled) down, \(loneReport.report.bytesUp) B up, \(loneReport.report.roundTrips) round trip)")

        let started = ContinuousClock.now
        let reports = try await withThrowingTaskGroup(of: (Double, SyncReport).self) { group in
            for day in days.prefix(engineers) {
                let replica = replicas[day.engineer]!
                group.addTask { let r = try await syncing(replica); return (r.seconds, r.report) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let total = elapsed(since: started)
        let pushed = reports.reduce(0) { $0 + $1.1.pushed }
        guard pushed == dayOps else { throw BenchError("the node acknowledged \(pushed) of \(dayOps) ops") }
        let slowest = reports.map(\.0).max() ?? 0
        print(Format.left("\(engineers) engineers' shift end, at once", 40) + "\(Format.fixed(total, 3)) s total   "
              + "\(Format.grouped(Int(Double(pushed) / total))) ops/s   slowest engineer \(Format.fixed(slowest, 3)) s")
        print(Format.left("", 40) + "target ≤ 1 s: \(total <= 1 ? "PASS" : "BELOW")")
        print("")
        // The workload's day is in the past: ingest at today's clock, as the node would.
        try ingest(days: Array(days.prefix(engineers)), morning: days.flatMap(\.morning), now: UInt64(Date().timeIntervalSince1970 * 1000))
    }

    static func syncing(_ replica: FieldReplica) async throws -> (seconds: Double, report: SyncReport) {
        let link = try NodeLink.load(home: replica.home)
        let started = ContinuousClock.now
        let report = try await SyncClient(replica: replica, link: link).sync()
        return (elapsed(since: started), report)
    }

    static func elapsed(since start: ContinuousClock.Instant) -> Double {
        let (s, atto) = (ContinuousClock.now - start).components
        return Double(s) + Double(atto) / 1e18
    }

    /// Node ingest vs raw insert, best of 3 each, interleaved.
    static func ingest(days: [EngineerDay], morning: [Op], now: UInt64) throws {
        let ops = days.reduce(0) { $0 + $1.ops.count }
        var node = Measurement("node ingest, one push per engineer", ops: ops)
        var raw = Measurement("raw SQLite insert, same transactions", ops: ops)
        let rawInsert = RawInsert(days.flatMap(\.ops))
        for _ in 0..<3 {
            let dir = try TempDirectory("ingest")
            defer { dir.remove() }
            let store = try NodeData.open(dir.path, concurrentReads: true)
            try store.apply(morning, now: now)
            node.add(try seconds {
                for day in days {
                    let result = try store.ingest(day.ops, from: Principal(name: "E\(day.engineer)", role: .engineer), replica: day.replica, now: now)
                    guard result.inserted == day.ops.count else { throw BenchError("ingest stored \(result.inserted) of \(day.ops.count)") }
                }
            })
            raw.add(try rawInsert.run(transactions: days.map(\.ops.count)))
        }
        print("best of 3 (a shared machine: noise only adds time)")
        print(Measurement.header)
        print(node.row)
        print(raw.row)
        let ratio = node.opsPerSecond / raw.opsPerSecond
        print("node ingest ÷ raw = \(Format.fixed(ratio, 2))×   target ≥ 0.5×   \(ratio >= 0.5 ? "PASS" : "BELOW")")
    }
}
