import FieldStore
import FieldTestSupport
import GRDB

/// Where a search's time goes, by class of query, step by step as
/// ``SearchIndex/search(_:limit:marks:rankAtMost:_:)`` takes them: parsing the text; scoring
/// the `rankAtMost` newest matches by bm25 in one pass (the best `limit` kept); and the rest
/// of the whole call (sorting the scores, fetching each hit's text, marking its title,
/// cutting its snippet). Beside them, for scale: finding every match unranked, and ranking
/// every match (no bound). Medians.
enum KBProfile {
    static func run(_ index: SearchIndex, _ queue: DatabaseQueue, runs: Int) throws {
        let t = index.table
        let limit = KBSearch.limit
        let bound = SearchIndex.defaultRankAtMost
        let weights = "bm25(\(index.titleWeight), \(index.bodyWeight))"
        typealias Kind = ArticleCorpus.Query.Kind
        var steps: [String: [Kind: KBLatency]] = [:]
        func add(_ step: String, _ kind: Kind, _ ms: Double) { steps[step, default: [:]][kind, default: KBLatency()].add(ms) }
        try queue.read { db in
            let matchAll = try db.makeStatement(sql: #"SELECT count(*) FROM "\#(t)" WHERE "\#(t)" MATCH ?"#)
            let newest = try db.makeStatement(
                sql: #"SELECT rowid, bm25("\#(t)", \#(index.titleWeight), \#(index.bodyWeight)) FROM "\#(t)" WHERE "\#(t)" MATCH ? ORDER BY rowid DESC LIMIT ?"#)
            let rankFrom = try db.makeStatement(
                sql: #"SELECT rowid FROM "\#(t)" WHERE "\#(t)" MATCH ? AND rank MATCH ? AND rowid >= ? ORDER BY rank LIMIT ?"#)
            for _ in 0..<runs {
                for q in ArticleCorpus.queries {
                    var query: SearchQuery?
                    add("parse", q.kind, try milliseconds { query = try SearchQuery(q.text) })
                    let pattern = query!.pattern
                    add("match", q.kind, try milliseconds { _ = try Int.fetchOne(matchAll, arguments: [pattern]) })
                    add("rank all", q.kind, try milliseconds { _ = try Int64.fetchAll(rankFrom, arguments: [pattern, weights, Int64.min, limit]) })
                    add("rank", q.kind, try milliseconds { _ = try Row.fetchAll(newest, arguments: [pattern, bound]) })
                    add("search", q.kind, try milliseconds { _ = try index.search(query!, limit: limit, db) })
                }
            }
        }
        let columns = ["parse", "rank", "rest", "search", "match", "rank all"]
        print("where the time goes (median ms per search, by class; \(runs) runs of each query)")
        print("  " + Format.left("class", 24) + columns.map { Format.right($0, 9) }.joined())
        for kind in Kind.allCases {
            func median(_ step: String) -> Double { steps[step]?[kind]?.p50 ?? .nan }
            let rest = median("search") - median("parse") - median("rank")
            let figures = [median("parse"), median("rank"), rest, median("search"), median("match"), median("rank all")]
            print("  " + Format.left(kind.rawValue, 24) + figures.map { Format.right(Format.fixed($0, 2), 9) }.joined())
        }
        print("  parse: SearchQuery(text); rank: bm25 over the \(Format.grouped(bound)) newest matches, in one pass (rankAtMost);")
        print("  rest: the best \(limit) kept, each hit's text fetched, title marked, snippet cut (search − the")
        print("  steps before); search: the whole call. For scale: match: every match,")
        print("  unranked (count(*)); rank all: bm25 over every match (rankAtMost: nil)")
    }
}
