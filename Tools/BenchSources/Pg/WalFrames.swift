import FieldModel
import FieldNode
import FieldStore
import Foundation
import GRDB

/// Where a SQLite write goes, page by page: the WAL frames one transaction appends, named
/// by the table or index each page belongs to (SQLite's `dbstat`). The SQLite node's ingest
/// beside a raw insert of the same ops: what the node writes beyond the log itself is what
/// its ingest pays beyond the raw insert (every frame is a 4 KiB page written and synced).
enum WalFrames {
    /// Frames per table or index, summed over the measured transactions.
    struct Tally {
        var transactions = 0
        var frames: [String: Int] = [:]
        var total: Int { frames.values.reduce(0, +) }
        var perTransaction: Double { Double(total) / Double(max(transactions, 1)) }
    }

    /// Runs each of `writes` after emptying the WAL of the database at `path` (a checkpoint
    /// from a connection of its own), and names the pages each appended.
    static func tally(path: String, _ writes: [() throws -> Void]) throws -> Tally {
        var tally = Tally()
        let probe = try DatabaseQueue(path: path)
        defer { try? probe.close() }
        for write in writes {
            // busy = 1: a reader held the WAL and it was not emptied; its frames would count twice.
            let busy = try probe.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") ?? 1 }
            guard busy == 0 else { throw BenchError("the WAL of \(path) could not be emptied before a push (a reader held it)") }
            try write()
            let pages = try framePages(path + "-wal")
            let names = try probe.read { db in
                Dictionary(
                    try Row.fetchAll(db, sql: "SELECT pageno, name FROM dbstat").map { (Int($0["pageno"] as Int64), $0["name"] as String) },
                    uniquingKeysWith: { a, _ in a })
            }
            for page in pages { tally.frames[names[page] ?? "(free or new)", default: 0] += 1 }
            tally.transactions += 1
        }
        return tally
    }

    /// The page number of every frame in a WAL file (its 32-byte header, then per frame a
    /// 24-byte header whose first 4 bytes are the page number, big-endian, and the page).
    static func framePages(_ walPath: String) throws -> [Int] {
        let data = try Data(contentsOf: URL(fileURLWithPath: walPath))
        guard data.count >= 32 else { return [] }
        let be = { (at: Int) in data[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        let pageSize = be(8)
        var pages: [Int] = []
        var at = 32
        while at + 24 + pageSize <= data.count {
            pages.append(be(at))
            at += 24 + pageSize
        }
        return pages
    }

    /// "ops 20.0, ops_by_subject 6.5, tickets 8.0, …" per transaction, largest first.
    static func line(_ tally: Tally, top: Int = 10) -> String {
        let n = Double(max(tally.transactions, 1))
        let parts = tally.frames.sorted { $0.value > $1.value }.prefix(top).map { "\($0.key) \(Format.fixed(Double($0.value) / n, 1))" }
        return "\(Format.fixed(tally.perTransaction, 1)) frames per push: " + parts.joined(separator: ", ")
    }
}

extension WalFrames {
    /// The pushes measured: enough to average, few enough to keep the probe quick.
    static let pushes = 20

    /// The SQLite node's store seeded with the morning, then the first ``pushes`` engineers' pushes.
    static func node(_ days: [EngineerDay], morning: [Op], now: UInt64) throws -> Tally {
        let dir = try TempDirectory("wal-node")
        defer { dir.remove() }
        let store = try NodeData.open(dir.path, concurrentReads: true)
        try store.apply(morning, now: now)
        return try tally(path: dir.file("node.sqlite"), days.prefix(pushes).map { day in
            {
                _ = try store.ingest(day.ops, from: Principal(name: "E\(day.engineer)", role: .engineer), replica: day.replica, now: now)
            }
        })
    }

    /// A raw insert of the same pushes' op rows, one transaction each.
    static func raw(_ insert: RawInsert, sizes: [Int]) throws -> Tally {
        let dir = try TempDirectory("wal-raw")
        defer { dir.remove() }
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: RawInsert.pragmas) }
        let queue = try DatabaseQueue(path: dir.file("raw.sqlite"), configuration: config)
        defer { try? queue.close() }
        try queue.write { db in try db.execute(sql: RawInsert.schema) }
        var starts: [Int] = []
        var start = 0
        for size in sizes.prefix(pushes) {
            starts.append(start)
            start += size
        }
        return try tally(path: dir.file("raw.sqlite"), zip(starts, sizes).map { start, size in
            {
                try queue.write { db in try insert.insert(start..<(start + size), db) }
            }
        })
    }
}
