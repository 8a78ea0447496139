import FieldModel
import FieldWire
import Foundation
import GRDB

/// The baseline for the store benchmark: the same op rows inserted straight into a
/// fresh SQLite file whose `ops` table is the store's, in one transaction through one
/// cached prepared statement, with the store's pragmas. Payloads are encoded before
/// timing, so the figure is the cost of the insert alone: the floor for any store that
/// keeps an op log in SQLite.
struct RawInsert {
    /// Copied from Sources/FieldStore/Schema/ReplicaSchema.swift: keep in step with it.
    static let schema = """
        CREATE TABLE ops (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            replica TEXT NOT NULL,
            counter INTEGER NOT NULL,
            wall INTEGER NOT NULL,
            logical INTEGER NOT NULL,
            subject TEXT NOT NULL,
            kind INTEGER NOT NULL,
            payload BLOB NOT NULL,
            UNIQUE (replica, counter)
        );
        CREATE INDEX ops_by_subject ON ops (subject, seq);
        """
    /// As ReplicaStore connects.
    static let pragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL"
    static let insert = "INSERT INTO ops (replica, counter, wall, logical, subject, kind, payload) VALUES (?, ?, ?, ?, ?, ?, ?)"

    /// One `ops` row, as the store writes it.
    struct Row {
        let replica: String
        let counter: Int64
        let wall: Int64
        let logical: Int64
        let subject: String
        let kind: Int64
        let payload: Data
    }

    let rows: [Row]

    /// Encodes every op's payload (untimed).
    init(_ ops: [Op]) {
        rows = ops.map { op in
            Row(
                replica: op.id.replica.rawValue, counter: Int64(bitPattern: op.id.counter),
                wall: Int64(bitPattern: op.stamp.wallMillis), logical: Int64(op.stamp.logical),
                subject: op.subject.rawValue, kind: Int64(bitPattern: op.body.kind.rawValue),
                payload: Data(OpPayloadCodec.encode(op.body)))
        }
    }

    /// Inserts `rows[range]` in `db`'s open transaction.
    func insert(_ range: Range<Int>, _ db: Database) throws {
        let statement = try db.cachedStatement(sql: Self.insert)
        for r in rows[range] {
            try statement.execute(arguments: [r.replica, r.counter, r.wall, r.logical, r.subject, r.kind, r.payload])
        }
    }

    /// Creates a fresh database in a temp directory and inserts every row; returns the
    /// seconds the insert transaction took (commit included, schema creation not).
    func run() throws -> Double { try run(transactions: [rows.count]) }

    /// As `run()`, committing the rows in consecutive transactions of the given sizes
    /// (one per device push, to compare with a node that commits each push).
    func run(transactions sizes: [Int]) throws -> Double {
        let dir = try TempDirectory("raw")
        defer { dir.remove() }
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: Self.pragmas) }
        let queue = try DatabaseQueue(path: dir.file("raw.sqlite"), configuration: config)
        try queue.write { db in try db.execute(sql: Self.schema) }

        let elapsed = try seconds {
            var start = 0
            for size in sizes {
                try queue.write { db in try insert(start..<(start + size), db) }
                start += size
            }
        }
        let stored = try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ops") ?? 0 }
        guard stored == rows.count else { throw BenchError("raw insert stored \(stored) rows of \(rows.count)") }
        try queue.close()
        return elapsed
    }
}
