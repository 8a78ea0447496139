import FieldCentral
import FieldModel
import FieldNode
import FieldStore
import FieldTestSupport
import Foundation
import Logging
import PostgresNIO

/// One central for one measurement: a fresh SQLite node folder or a fresh PostgreSQL
/// database, seeded with the morning's tickets and a token per engineer, served by real
/// `fieldsync-node` processes (one for SQLite; one or more, on the one database, for
/// PostgreSQL). Each measurement gets its own, so none sees another's rows.
final class BenchCentral {
    enum Store {
        case sqlite(folder: String)
        case postgres(url: String)
    }

    let store: Store
    let tokens: [Int: String]
    private(set) var nodes: [NodeServer] = []
    /// The PostgreSQL nodes' standard error, shown when a measurement fails.
    private(set) var logs: [String] = []

    /// The nodes' addresses: engineers are spread over them round-robin, as a load
    /// balancer would.
    var urls: [String] { nodes.map(\.url) }

    private init(store: Store, tokens: [Int: String]) {
        self.store = store
        self.tokens = tokens
    }

    /// The workload's morning as the SQLite node holds it (as SyncBench seeds it).
    static func sqlite(in dir: TempDirectory, days: [EngineerDay], now: UInt64) throws -> BenchCentral {
        let folder = dir.file("node")
        var tokens: [Int: String] = [:]
        do {
            let store = try NodeData.open(folder)
            try store.apply(days.flatMap(\.morning), now: now)
            for day in days { tokens[day.engineer] = try store.createToken(name: "E\(day.engineer)", role: .engineer, now: now).token }
        }
        let central = BenchCentral(store: .sqlite(folder: folder), tokens: tokens)
        central.nodes = [try NodeServer(data: folder)]
        return central
    }

    /// The same morning in a fresh PostgreSQL database, served by `nodes` node processes.
    /// The morning's tickets go in as a dispatcher's push from the replica that made them
    /// (`central` in the workload; the database's central has an id of its own).
    static func postgres(nodes count: Int, days: [EngineerDay], now: UInt64, logs dir: TempDirectory) async throws -> BenchCentral {
        let url = try await freshDatabase()
        let morning = days.flatMap(\.morning)
        var tokens: [Int: String] = [:]
        try await PostgresNodeStore.with(url: url, logger: benchLogger) { store in
            let result = try await store.ingest(
                morning, vouchers: nil, voucherKey: [], from: Principal(name: "dispatch", role: .dispatcher),
                replica: morning[0].id.replica, now: now, clockOffset: nil, maxAttachmentBytes: .max)
            guard result.inserted == morning.count else { throw BenchError("the database took \(result.inserted) of \(morning.count) morning ops") }
            for day in days { tokens[day.engineer] = try await store.createToken(name: "E\(day.engineer)", role: .engineer, now: now).token }
        }
        let central = BenchCentral(store: .postgres(url: url), tokens: tokens)
        // One at a time: each migrates at start (safe at once too, but that is not what is measured).
        for n in 0..<count {
            central.logs.append(dir.file("node-\(n).log"))
            central.nodes.append(try NodeServer(postgres: url, log: central.logs[n]))
        }
        return central
    }

    /// A new, empty database in the bench's cluster (Tools/bench starts it and names it in
    /// FIELDSYNC_TEST_POSTGRES; run alone, TestPostgres starts one for this process).
    static func freshDatabase() async throws -> String {
        try await TestPostgres.shared().database("pgbench")
    }

    /// Drops a database `freshDatabase` made, once measured: left behind, the earlier
    /// measurements' databases are vacuumed and analysed by PostgreSQL's autovacuum while
    /// later ones run, and that CPU is counted as PostgreSQL's.
    static func dropDatabase(_ url: String) async throws {
        guard let name = url.split(separator: "/").last else { return }
        try await Statements.onAdminDatabase { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: benchLogger).collect()
        }
    }

    /// Stops the nodes and drops a PostgreSQL central's database.
    func stopAndDrop() async throws {
        stop()
        if case .postgres(let url) = store { try await Self.dropDatabase(url) }
    }

    /// The last lines each node logged, and whether it is still running.
    func logTails(lines: Int = 15) -> String {
        zip(nodes, logs).map { node, log in
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let state = node.process.isRunning ? "running" : "exited with status \(node.process.terminationStatus)"
            return "node at \(node.url) (\(state)), last lines of its log:\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    func stop() {
        for node in nodes { node.stop() }
    }

    /// What the central holds, read after the nodes stopped: the op log's digest (count and
    /// content) and each ticket's materialised digest.
    func contents() async throws -> (log: OpLogDigest, tickets: [String: String]) {
        switch store {
        case .sqlite(let folder):
            let store = try NodeData.open(folder)
            let tickets = Dictionary(try store.tickets().map { ($0.id, $0.digest) }, uniquingKeysWith: { a, _ in a })
            return (try store.opLogDigest(), tickets)
        case .postgres(let url):
            return try await PostgresNodeStore.with(url: url, logger: benchLogger) { store in
                (try await store.opLogDigest(), try await store.ticketDigests())
            }
        }
    }
}

/// PostgresNIO's and the store's log lines go to standard error, warnings and worse only:
/// standard output holds the report alone.
let benchLogger: Logger = {
    var logger = Logger(label: "fieldsync.bench", factory: { StreamLogHandler.standardError(label: $0) })
    logger.logLevel = .warning
    return logger
}()
