import FieldStore
import FieldTestSupport
import Foundation
import GRDB
import Testing

/// What a search returns on generated guides, checked against a brute-force reading of the
/// same text; how hits are marked; and that the contentless index forgets what it is told to.
@Suite struct SearchResultsTests {
    /// 300 guides of ``ArticleCorpus``: every language mix, common and rare words.
    static let articles = (0..<300).map(ArticleCorpus(seed: 7).article)

    private static func corpusIndex() throws -> (DatabaseQueue, SearchIndex) {
        let (queue, index) = try emptyIndex()
        try queue.write { db in
            for a in articles { try index.put(SearchDocument(id: a.id, title: a.title, body: a.body), db) }
        }
        return (queue, index)
    }

    private static func emptyIndex() throws -> (DatabaseQueue, SearchIndex) {
        var config = Configuration()
        SearchIndex.registerOnEveryConnection(&config)
        let queue = try DatabaseQueue(configuration: config)
        let index = SearchIndex(table: "kb_search")
        try queue.write { db in try index.create(db) }
        return (queue, index)
    }

    /// The lowercased words of `text` (letters and digits), as unicode61 splits Latin text.
    private static func words(_ text: String) -> Set<String> {
        Set(text.lowercased().split { !($0.isLetter || $0.isNumber) || $0.unicodeScalars.first!.value >= 0x2E80 }.map(String.init))
    }

    /// Brute force: the guides holding every term, a CJK term as a substring, a Latin term
    /// as a word.
    private static func expected(_ terms: [String]) -> Set<String> {
        Set(
            articles.filter { a in
                let text = a.title + "\n" + a.body
                let latin = words(text)
                return terms.allSatisfy { term in
                    term.unicodeScalars.first!.value >= 0x2E80 ? text.contains(term) : latin.contains(term.lowercased())
                }
            }.map(\.id))
    }

    @Test(arguments: [
        ["电容"], ["风扇"], ["压缩机"], ["电"], ["冷凝风扇"], ["容电"], ["检查"], ["capacitor"], ["compressor"], ["velotak"],
        ["capacitor", "电容"], ["fan", "风扇", "alarm"], ["compressor", "压缩机"],
    ])
    func findsExactlyTheGuidesThatHoldEveryTerm(_ terms: [String]) throws {
        let (queue, index) = try Self.corpusIndex()
        let found = try queue.read { db in
            try index.search(SearchQuery(terms.joined(separator: " ")), limit: 1000, db)
        }
        #expect(Set(found.map(\.id)) == Self.expected(terms))
        #expect(found.count == Set(found.map(\.id)).count)
        // Best first: bm25 as FTS5 gives it, lower is better.
        #expect(zip(found, found.dropFirst()).allSatisfy { $0.rank <= $1.rank })
    }

    @Test func everyHitMarksItsMatchInTheTitleOrTheSnippet() throws {
        let (queue, index) = try Self.corpusIndex()
        for text in ["电容", "风扇", "压缩机", "capacitor", "superheat"] {
            let found = try queue.read { db in try index.search(SearchQuery(text), limit: 20, db) }
            #expect(!found.isEmpty)
            for hit in found {
                let article = try #require(Self.articles.first { $0.id == hit.id })
                let marked = "[\(text)]"
                let inTitle = article.title.lowercased().contains(text)
                #expect(hit.title.lowercased().contains(marked) == inTitle, "\(hit.id): \(hit.title)")
                // The title is the text as stored, marks aside.
                #expect(hit.title.replacingOccurrences(of: "[", with: "").replacingOccurrences(of: "]", with: "") == article.title)
                if !inTitle { #expect(hit.snippet.lowercased().contains(marked), "\(hit.id): \(hit.snippet)") }
            }
        }
    }

    @Test func aSnippetIsAWindowOfTheBodyAroundTheMatch() throws {
        let filler = (1...40).map { "word\($0)" }.joined(separator: " ")
        let body = filler + ". The start capacitor was swollen; replace it. " + filler
        let (queue, index) = try Self.emptyIndex()
        try queue.write { db in _ = try index.put(SearchDocument(id: "a", title: "Unit fails to start", body: body), db) }
        let hit = try #require(try queue.read { db in try index.search(SearchQuery("capacitor"), db) }.first)
        #expect(hit.title == "Unit fails to start")
        #expect(hit.snippet.hasPrefix("…") && hit.snippet.hasSuffix("…"))
        #expect(hit.snippet.contains("start [capacitor] was swollen"))
        #expect(hit.snippet.split(separator: " ").count <= SearchMarks.brackets.snippetTokens + 1)

        // Only the title matches: the snippet is the body's start, unmarked.
        let titled = try #require(try queue.read { db in try index.search(SearchQuery("fails"), db) }.first)
        #expect(titled.title == "Unit [fails] to start")
        #expect(titled.snippet.hasPrefix("word1 word2") && !titled.snippet.contains("["))

        // Marks of the caller's choosing.
        let html = SearchMarks(open: "<b>", close: "</b>", ellipsis: "...", snippetTokens: 6)
        let custom = try #require(try queue.read { db in try index.search(SearchQuery("swollen"), marks: html, db) }.first)
        #expect(custom.snippet.contains("<b>swollen</b>") && custom.snippet.hasPrefix("...") && custom.snippet.hasSuffix("..."))
    }

    @Test func chineseTwoCharacterWordsAreFoundAndMarkedWhole() throws {
        let (queue, index) = try Self.emptyIndex()
        try queue.write { db in
            try index.put(SearchDocument(id: "cap", title: "更换电容", body: "风扇不转时先测电容，再查风扇电机。"), db)
            try index.put(SearchDocument(id: "split", title: "供电", body: "电，容许误差。风，扇叶完好。"), db)
            try index.put(SearchDocument(id: "fan", title: "Fan 风扇", body: "Clean the fan blades 风扇叶片."), db)
        }
        let capacitor = try queue.read { db in try index.search(SearchQuery("电容"), db) }
        #expect(capacitor.map(\.id) == ["cap"])
        #expect(capacitor.first?.title == "更换[电容]")
        #expect(capacitor.first?.snippet == "风扇不转时先测[电容]，再查风扇电机。")
        let fan = try queue.read { db in try index.search(SearchQuery("风扇"), db) }
        #expect(Set(fan.map(\.id)) == ["cap", "fan"])
        #expect(fan.first { $0.id == "fan" }?.title == "Fan [风扇]")
        #expect(fan.first { $0.id == "cap" }?.snippet == "[风扇]不转时先测电容，再查[风扇]电机。")
        let mixed = try queue.read { db in try index.search(SearchQuery("fan 风扇叶片"), db) }
        #expect(mixed.map(\.id) == ["fan"])
        #expect(mixed.first?.snippet == "Clean the [fan] blades [风扇叶片].")
    }

    /// FTS5's own bm25 for every match of `query`, best first, ties by rowid.
    private static func fts5BM25(_ query: SearchQuery, _ index: SearchIndex, _ db: Database) throws -> [(id: String, rank: Double)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT k.id, bm25("\(index.table)", \(index.titleWeight), \(index.bodyWeight)) AS r FROM "\(index.table)"
                JOIN "\(index.table)_keys" k ON k.rowid = "\(index.table)".rowid WHERE "\(index.table)" MATCH ?
                ORDER BY r, "\(index.table)".rowid
                """,
            arguments: [query.pattern]
        ).map { (id: $0[0], rank: $0[1]) }
    }

    /// The search ranks every match with the score FTS5's `bm25()` gives it, in the same
    /// order: SearchRanking computes it from lengths held in memory, and must not drift.
    @Test(arguments: ["compressor", "电", "电容", "压缩机", "冷凝风扇", "condenser fan", "\"check the\"", "compressor 压缩机", "R410A冷媒"])
    func ranksEveryMatchExactlyAsFTS5sOwnBM25(_ text: String) throws {
        let (queue, index) = try Self.corpusIndex()
        let query = try SearchQuery(text)
        let (ours, theirs) = try queue.read { db in (try index.search(query, limit: 1000, db), try Self.fts5BM25(query, index, db)) }
        try #require(!theirs.isEmpty)
        #expect(ours.map(\.id) == theirs.map(\.id))
        for (a, b) in zip(ours, theirs) { #expect(abs(a.rank - b.rank) <= 1e-9 * abs(b.rank), "\(a.id): \(a.rank) vs \(b.rank)") }
    }

    /// Lengths held in memory are read again after a write, on the writing connection and
    /// on another one that searched before it (a pool's reader).
    @Test func rankingFollowsWritesOnEveryConnection() throws {
        let dir = NSTemporaryDirectory() + "fieldsync-search-rank-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = Configuration()
        SearchIndex.registerOnEveryConnection(&config)
        let pool = try DatabasePool(path: dir + "/kb.sqlite", configuration: config)
        let index = SearchIndex(table: "kb_search")
        try pool.write { db in
            try index.create(db)
            for a in Self.articles.prefix(100) { try index.put(SearchDocument(id: a.id, title: a.title, body: a.body), db) }
        }
        let query = try SearchQuery("compressor")
        func agree(_ db: Database) throws {
            let ours = try index.search(query, limit: 1000, db)
            let theirs = try Self.fts5BM25(query, index, db)
            try #require(!theirs.isEmpty)
            #expect(ours.map(\.id) == theirs.map(\.id))
            #expect(zip(ours, theirs).allSatisfy { abs($0.rank - $1.rank) <= 1e-9 * abs($1.rank) })
        }
        try pool.read(agree)
        try pool.write { db in
            try agree(db)
            // Every document that matches grows long: its old length would rank it too high.
            for a in Self.articles.prefix(100) where a.body.lowercased().contains("compressor") {
                try index.put(SearchDocument(id: a.id, title: a.title, body: a.body + String(repeating: " filler words", count: 300)), db)
            }
            try index.put(SearchDocument(id: "late", title: "Compressor", body: "compressor"), db)
            try agree(db)
        }
        try pool.read(agree)
        try pool.write { db in _ = try index.remove(id: "late", db) }
        try pool.read(agree)
    }

    @Test func removingOrReplacingADocumentLeavesNoTrace() throws {
        let (queue, index) = try Self.emptyIndex()
        try queue.write { db in
            try index.put(SearchDocument(id: "a", title: "Zebrawood panel 斑马木", body: "Sand the zebrawood with care. 斑马木面板"), db)
            try index.put(SearchDocument(id: "b", title: "Panel", body: "Check the panel."), db)
        }
        func vocabulary(_ db: Database) throws -> Set<String> {
            try db.execute(sql: "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_vocab USING fts5vocab(main, kb_search, 'row')")
            return Set(try String.fetchAll(db, sql: "SELECT term FROM temp.kb_vocab"))
        }
        #expect(try queue.write { db in try vocabulary(db) }.isSuperset(of: ["zebrawood", "斑马", "斑"]))

        #expect(try queue.write { db in try index.remove(id: "a", db) })
        #expect(try queue.read { db in try index.search(SearchQuery("zebrawood"), db) }.isEmpty)
        #expect(try queue.read { db in try index.search(SearchQuery("斑马木"), db) }.isEmpty)
        let left = try queue.write { db in try vocabulary(db) }
        #expect(left == ["check", "the", "panel"])
        #expect(try queue.read { db in try index.ids(db) } == ["b"])

        try queue.write { db in _ = try index.put(SearchDocument(id: "b", title: "Door", body: "Oil the hinge."), db) }
        #expect(try queue.write { db in try vocabulary(db) } == ["door", "oil", "the", "hinge"])
        #expect(try queue.read { db in try index.search(SearchQuery("panel"), db) }.isEmpty)
        #expect(try queue.read { db in try index.search(SearchQuery("hinge"), db).map(\.id) } == ["b"])
        try queue.write { db in try db.execute(sql: #"INSERT INTO kb_search (kb_search) VALUES ('integrity-check')"#) }
    }

    @Test func theIndexKeepsTheTextCompressedNotTwice() throws {
        let (queue, index) = try Self.corpusIndex()
        let text = Self.articles.reduce(0) { $0 + $1.title.utf8.count + $1.body.utf8.count }
        let storage = try queue.read { db in try index.storage(db) }
        #expect(storage.content > 0 && storage.content < text)
        #expect(storage.total < 3 * text)
        // FTS5 holds no text of its own.
        let ftsText = try queue.read { db in try String.fetchOne(db, sql: "SELECT body FROM kb_search LIMIT 1") }
        #expect(ftsText == nil)
    }

    @Test func anIndexOfTheFirstLayoutIsMadeAnew() throws {
        var config = Configuration()
        SearchIndex.registerOnEveryConnection(&config)
        let queue = try DatabaseQueue(configuration: config)
        let index = SearchIndex(table: "kb_search")
        try queue.write { db in
            try db.execute(
                sql: """
                    CREATE VIRTUAL TABLE kb_search USING fts5(title, body, tokenize = 'mixedscript unicode61 remove_diacritics 2');
                    CREATE TABLE kb_search_keys (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
                    INSERT INTO kb_search_keys (rowid, id) VALUES (1, 'old');
                    INSERT INTO kb_search (rowid, title, body) VALUES (1, 'Old fan', 'old text');
                    """)
            try index.create(db)
            try index.put(SearchDocument(id: "new", title: "New fan", body: "new text"), db)
        }
        #expect(try queue.read { db in try index.ids(db) } == ["new"])
        #expect(try queue.read { db in try index.search(SearchQuery("fan"), db).map(\.id) } == ["new"])
    }
}
