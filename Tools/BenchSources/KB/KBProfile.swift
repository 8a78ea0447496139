import FieldStore
import FieldTestSupport
import GRDB

/// Where a search's time goes, by class of query, step by step as
/// ``SearchIndex/search(_:limit:marks:_:)`` takes them: parsing the text; ranking every match
/// by bm25 (``SearchRanking``, the best `limit` kept); and the rest of the whole call
/// (fetching each hit's text, marking its title, cutting its snippet). Beside them, in the
/// same run: finding every match unranked, and ranking every match with FTS5's own `bm25()`
/// (the baseline SearchRanking replaced: the same scores, each document's length looked up
/// in `_docsize`). Medians.
enum KBProfile {
    static func run(_ index: SearchIndex, _ queue: DatabaseQueue, runs: Int) throws {
        let t = index.table
        let limit = KBSearch.limit
        let weights = "bm25(\(index.titleWeight), \(index.bodyWeight))"
        typealias Kind = ArticleCorpus.Query.Kind
        var steps: [String: [Kind: KBLatency]] = [:]
        func add(_ step: String, _ kind: Kind, _ ms: Double) { steps[step, default: [:]][kind, default: KBLatency()].add(ms) }
        try queue.read { db in
            let matchAll = try db.makeStatement(sql: #"SELECT count(*) FROM "\#(t)" WHERE "\#(t)" MATCH ?"#)
            let ours = try db.makeStatement(
                sql: #"SELECT rowid, fieldsync_bm25("\#(t)", '\#(t)', 1, \#(index.titleWeight), \#(index.bodyWeight)) AS s FROM "\#(t)" WHERE "\#(t)" MATCH ? ORDER BY s, rowid LIMIT ?"#)
            let fts5 = try db.makeStatement(
                sql: #"SELECT rowid, rank FROM "\#(t)" WHERE "\#(t)" MATCH ? AND rank MATCH ? ORDER BY rank LIMIT ?"#)
            for _ in 0..<runs {
                for q in ArticleCorpus.queries {
                    var query: SearchQuery?
                    add("parse", q.kind, try milliseconds { query = try SearchQuery(q.text) })
                    let pattern = query!.pattern
                    add("match", q.kind, try milliseconds { _ = try Int.fetchOne(matchAll, arguments: [pattern]) })
                    add("FTS5 bm25", q.kind, try milliseconds { _ = try Row.fetchAll(fts5, arguments: [pattern, weights, limit]) })
                    add("rank", q.kind, try milliseconds { _ = try Row.fetchAll(ours, arguments: [pattern, limit]) })
                    add("search", q.kind, try milliseconds { _ = try index.search(query!, limit: limit, db) })
                }
            }
        }
        let columns = ["parse", "rank", "rest", "search", "match", "FTS5 bm25"]
        print("where the time goes (median ms per search, by class; \(runs) runs of each query)")
        print("  " + Format.left("class", 24) + columns.map { Format.right($0, 10) }.joined())
        for kind in Kind.allCases {
            func median(_ step: String) -> Double { steps[step]?[kind]?.p50 ?? .nan }
            let rest = median("search") - median("parse") - median("rank")
            let figures = [median("parse"), median("rank"), rest, median("search"), median("match"), median("FTS5 bm25")]
            print("  " + Format.left(kind.rawValue, 24) + figures.map { Format.right(Format.fixed($0, 2), 10) }.joined())
        }
        print("  parse: SearchQuery(text); rank: bm25 over every match, the best \(limit) kept (SearchRanking);")
        print("  rest: each hit's text fetched, title marked, snippet cut (search − the steps before);")
        print("  search: the whole call. In the same run: match: every match, unranked (count(*));")
        print("  FTS5 bm25: every match ranked by FTS5's own bm25(), the same scores (the baseline)")
    }
}
