import FieldStore
import FieldTestSupport
import Foundation
import GRDB

/// The search section of `fieldsync-bench kb`: the corpus, the index's size beside the
/// text's, and search latency per query class and overall, against the targets of M6
/// (p99 ≤ 10 ms, index ≤ 3× the text).
///
/// The database is a file with the device's settings (WAL, the replica's `page_size`,
/// ``ReplicaStore/pageSize``, unless `FIELDSYNC_BENCH_KB_PAGE_SIZE` says otherwise), loaded in one transaction and
/// optimized, as a first pull would leave it. Every query of ``ArticleCorpus/queries`` runs
/// `runs` times, one round over the whole set at a time, so a slow spell on a shared machine
/// spreads over all classes instead of landing on one.
enum KBSearch {
    static let targetP99 = 10.0
    static let targetRatio = 3.0
    static let limit = 20

    static func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let count = Int(environment["FIELDSYNC_BENCH_KB_DOCS"] ?? "") ?? 10_000
        let runs = Int(environment["FIELDSYNC_BENCH_RUNS"] ?? "") ?? 30
        let pageSize = Int(environment["FIELDSYNC_BENCH_KB_PAGE_SIZE"] ?? "") ?? ReplicaStore.pageSize

        let corpus = ArticleCorpus(seed: 7)
        let articles = (0..<count).map(corpus.article)
        let textBytes = articles.reduce(0) { $0 + $1.title.utf8.count + $1.body.utf8.count }

        let dir = try TempDirectory("kb")
        defer { dir.remove() }
        var config = Configuration()
        SearchIndex.registerOnEveryConnection(&config)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA page_size = \(pageSize); PRAGMA journal_mode = WAL") }
        let queue = try DatabaseQueue(path: dir.file("kb.sqlite"), configuration: config)
        let index = SearchIndex(table: "article_search")

        let load = try seconds {
            try queue.write { db in
                try index.create(db)
                for article in articles { try index.put(SearchDocument(id: article.id, title: article.title, body: article.body), db) }
            }
        }
        let optimize = try seconds { try queue.write { db in try index.optimize(db) } }
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let storage = try queue.read { db in try index.storage(db) }

        print("FieldSync knowledge-base benchmark: offline article search (M6)")
        print(
            "corpus: \(Format.grouped(count)) guides (ArticleCorpus seed 7: 50% English, 30% Chinese, 20% both), "
                + "text \(megabytes(textBytes)) (title + body, UTF-8, \(Format.grouped(textBytes / max(count, 1))) B a guide)")
        print(
            "load: \(Format.fixed(load, 1)) s in one transaction (\(Format.grouped(Int(Double(count) / load))) guides/s), "
                + "optimize \(Format.fixed(optimize, 1)) s; page size \(pageSize) B")
        print("")
        print("index size beside the text (dbstat: whole pages, free space included)")
        for (name, bytes) in [
            ("inverted index (_data, _idx)", storage.index), ("ids, titles, bodies (zstd)", storage.content),
            ("token counts, settings", storage.lengths), ("index of ids", storage.keys), ("all", storage.total),
        ] {
            print("  \(Format.left(name, 30)) \(Format.right(megabytes(bytes), 9))  \(Format.fixed(Double(bytes) / Double(textBytes), 2))× the text")
        }
        let ratio = Double(storage.total) / Double(textBytes)
        print("  target ≤ \(Format.fixed(targetRatio, 1))× the text: \(Format.fixed(ratio, 2))×  \(ratio <= targetRatio ? "PASS" : "ABOVE")")
        print("")

        let latencies = try time(index, queue, runs: runs)
        report(latencies, runs: runs, total: count, index, queue)
        print("")
        try KBProfile.run(index, queue, runs: runs)
    }

    /// One search's figures.
    struct Timed {
        let query: ArticleCorpus.Query
        var latency = KBLatency()
        var hits = 0
    }

    private static func time(_ index: SearchIndex, _ queue: DatabaseQueue, runs: Int) throws -> [Timed] {
        var timed = ArticleCorpus.queries.map { Timed(query: $0) }
        try queue.read { db in
            for k in timed.indices {  // warm: the pages each query reads, the statements
                timed[k].hits = try index.search(SearchQuery(timed[k].query.text), limit: limit, db).count
            }
            for _ in 0..<runs {
                for k in timed.indices {
                    let text = timed[k].query.text
                    timed[k].latency.add(try milliseconds { _ = try index.search(SearchQuery(text), limit: limit, db) })
                }
            }
        }
        return timed
    }

    private static func report(_ timed: [Timed], runs: Int, total: Int, _ index: SearchIndex, _ queue: DatabaseQueue) {
        print(
            "search latency: \(timed.count) queries × \(runs) runs, limit \(limit), each hit with its title marked and a body "
                + "snippet (SearchIndex.search, query parsing included)")
        print("  \(Format.left("query", 28)) \(Format.left("class", 24)) \(Format.right("matches", 14))  \(Format.right("p50 ms", 8)) \(Format.right("p99 ms", 8))")
        var byKind: [ArticleCorpus.Query.Kind: KBLatency] = [:]
        var all = KBLatency()
        for t in timed {
            let matches = (try? queue.read { db in try matchCount(t.query.text, index, db) }) ?? -1
            let share = 100 * Double(matches) / Double(max(total, 1))
            print(
                "  \(padded(t.query.text, 28)) \(Format.left(t.query.kind.rawValue, 24)) "
                    + "\(Format.right("\(Format.grouped(matches)) \(Format.fixed(share, 1))%", 14))"
                    + "\(t.query.common ? "*" : " ") "
                    + "\(Format.right(Format.fixed(t.latency.p50, 2), 8)) \(Format.right(Format.fixed(t.latency.p99, 2), 8))")
            byKind[t.query.kind, default: KBLatency()].add(t.latency)
            all.add(t.latency)
        }
        print("  * a common term: in ≥ 25% of the guides")
        print("")
        print("  \(Format.left("class", 24)) \(Format.right("searches", 9)) \(Format.right("p50 ms", 8)) \(Format.right("p99 ms", 8))")
        for kind in ArticleCorpus.Query.Kind.allCases {
            guard let l = byKind[kind] else { continue }
            print("  \(Format.left(kind.rawValue, 24)) \(Format.right(String(l.count), 9)) \(Format.right(Format.fixed(l.p50, 2), 8)) \(Format.right(Format.fixed(l.p99, 2), 8))")
        }
        print("  \(Format.left("all", 24)) \(Format.right(String(all.count), 9)) \(Format.right(Format.fixed(all.p50, 2), 8)) \(Format.right(Format.fixed(all.p99, 2), 8))")
        print("  target p99 ≤ \(Format.fixed(targetP99, 0)) ms: \(Format.fixed(all.p99, 2)) ms  \(all.p99 <= targetP99 ? "PASS" : "ABOVE")")
    }

    /// How many guides contain every term of `text` (the whole match set, not just the page shown).
    static func matchCount(_ text: String, _ index: SearchIndex, _ db: Database) throws -> Int {
        try Int.fetchOne(
            db, sql: #"SELECT count(*) FROM "\#(index.table)" WHERE "\#(index.table)" MATCH ?"#,
            arguments: [SearchQuery(text).pattern]) ?? 0
    }

    static func megabytes(_ bytes: Int) -> String { Format.fixed(Double(bytes) / 1_000_000, 1) + " MB" }

    /// `text` padded to `width` terminal columns (a CJK character takes two).
    static func padded(_ text: String, _ width: Int) -> String {
        let columns = text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x2E80 ? 2 : 1) }
        return text + String(repeating: " ", count: max(0, width - columns))
    }
}
