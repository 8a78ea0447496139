import Foundation
import GRDB

/// A full-text index of documents named by id, searched in English and Chinese alike:
/// an FTS5 table tokenized by ``MixedScriptTokenizer``, ranked by bm25 with the title
/// weighted above the body.
///
/// It knows nothing of articles: the caller puts a document under an id, replaces it by
/// putting it again, and removes it by id. Every method runs on a GRDB `Database` inside the
/// caller's transaction, so an article and its index entry change together.
///
/// Tables: `<table>`, a *contentless* FTS5 table (`content=''`: the inverted index and each
/// document's token counts, no text; shadow tables `<table>_data`, `_idx`, `_docsize`,
/// `_config`), and `<table>_keys` (id ↔ the FTS5 rowid, the title, and the body
/// zstd-compressed, see ``SearchStoredText``). The index keeps its own compressed copy of
/// the text because hits are marked from it and because a contentless table forgets a row
/// only when given the text it indexed: so `put` and `remove` take the same arguments as
/// before and the caller need not hand back old text. On 10,000 generated guides of ~2 KB
/// (`Tools/bench kb`) the whole index takes 1.83× the text at 4 KB pages, against
/// 3.19× when FTS5 kept its own uncompressed copy (at 4 KB pages one ~2 KB row filled a page).
///
/// An index made by the first layout (FTS5 holding the text, `<table>_keys` holding only
/// ids) is dropped by ``create(_:)`` and made anew, empty: put the documents again.
///
/// ```swift
/// var config = Configuration()
/// SearchIndex.registerOnEveryConnection(&config)   // before the first use of the table
/// let queue = try DatabaseQueue(path: path, configuration: config)
/// let index = SearchIndex(table: "article_search")
/// try queue.write { db in
///     try index.create(db)
///     try index.put(SearchDocument(id: "kb-7", title: "更换冷凝风扇电容", body: "…"), db)
/// }
/// let hits = try queue.read { db in try index.search(SearchQuery("风扇 电容"), limit: 10, db) }
/// ```
///
/// ## Topics
///
/// ### Connections
/// - ``register(_:)``
/// - ``registerOnEveryConnection(_:)``
///
/// ### Writing
/// - ``create(_:)``
/// - ``put(_:_:)``
/// - ``remove(id:_:)``
/// - ``optimize(_:)``
///
/// ### Searching
/// - ``search(_:limit:marks:_:)``
/// - ``SearchQuery``
/// - ``SearchHit``
///
/// Thread-safety: a value; safe wherever its `Database` is (GRDB serialises each connection).
public struct SearchIndex: Sendable {
    /// The FTS5 table's name (a plain SQL identifier).
    public let table: String
    /// bm25 column weights: a match in the title counts `titleWeight / bodyWeight` times a
    /// match in the body.
    public let titleWeight: Double
    public let bodyWeight: Double

    var keys: String { table + "_keys" }

    /// A name SQL takes without quoting: a letter or `_`, then letters, digits and `_`.
    static func isPlainIdentifier(_ name: String) -> Bool {
        name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
            && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    public init(table: String = "search", titleWeight: Double = 10, bodyWeight: Double = 1) {
        precondition(Self.isPlainIdentifier(table), "a search table's name is a plain SQL identifier")
        precondition(titleWeight > 0 && bodyWeight > 0, "bm25 weights are positive")
        self.table = table
        self.titleWeight = titleWeight
        self.bodyWeight = bodyWeight
    }

    // MARK: - Connections

    /// Registers ``MixedScriptTokenizer`` and the ranking function (``SearchRanking``) on
    /// `db`. Call it once per connection, before the connection touches a search table
    /// (GRDB: `Configuration.prepareDatabase`).
    public static func register(_ db: Database) {
        db.add(tokenizer: MixedScriptTokenizer.self)
        SearchRanking.register(db)
    }

    /// Makes every connection opened with `configuration` register the tokenizer: a
    /// `DatabasePool`'s readers as well as its writer.
    public static func registerOnEveryConnection(_ configuration: inout Configuration) {
        configuration.prepareDatabase { db in register(db) }
    }

    // MARK: - Writing

    /// Creates the tables if they are missing.
    public func create(_ db: Database) throws {
        let tokenizer = ([MixedScriptTokenizer.name] + MixedScriptTokenizer.defaultWrapped).joined(separator: " ")
        try guarded {
            if try db.tableExists(keys), try !db.columns(in: keys).contains(where: { $0.name == "body" }) {
                // The first layout: derived data, so it is rebuilt rather than migrated.
                try db.execute(sql: #"DROP TABLE IF EXISTS "\#(table)"; DROP TABLE "\#(keys)""#)
            }
            try db.execute(
                sql: """
                    CREATE VIRTUAL TABLE IF NOT EXISTS "\(table)" USING fts5(title, body, tokenize = '\(tokenizer)', content = '');
                    CREATE TABLE IF NOT EXISTS "\(keys)" (
                        rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, body BLOB NOT NULL);
                    """)
        }
    }

    /// Indexes `document`, replacing what its id held. Returns false, writing nothing, when
    /// the id already holds the same title and body.
    @discardableResult
    public func put(_ document: SearchDocument, _ db: Database) throws -> Bool {
        try guarded {
            if let stored = try storedDocument(id: document.id, db) {
                if stored.title == document.title, stored.body == document.body { return false }
                try forget(stored, db)
                try db.cachedStatement(sql: #"UPDATE "\#(keys)" SET title = ?, body = ? WHERE rowid = ?"#)
                    .execute(arguments: [document.title, SearchStoredText.encode(document.body), stored.rowid])
                try index(rowid: stored.rowid, document, db)
            } else {
                try db.cachedStatement(sql: #"INSERT INTO "\#(keys)" (id, title, body) VALUES (?, ?, ?)"#)
                    .execute(arguments: [document.id, document.title, SearchStoredText.encode(document.body)])
                try index(rowid: db.lastInsertedRowID, document, db)
            }
            return true
        }
    }

    /// Removes the document `id`; false if there was none. Its terms leave the index with it.
    @discardableResult
    public func remove(id: String, _ db: Database) throws -> Bool {
        try guarded {
            guard let stored = try storedDocument(id: id, db) else { return false }
            try forget(stored, db)
            try db.cachedStatement(sql: #"DELETE FROM "\#(keys)" WHERE rowid = ?"#).execute(arguments: [stored.rowid])
            return true
        }
    }

    /// A document as the index holds it.
    private struct Stored {
        var rowid: Int64
        var title: String
        var body: String
    }

    private func storedDocument(id: String, _ db: Database) throws -> Stored? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: #"SELECT rowid, title, body FROM "\#(keys)" WHERE id = ?"#), arguments: [id])
        else { return nil }
        return Stored(rowid: row[0], title: row[1], body: try SearchStoredText.decode(row[2] as Data))
    }

    private func index(rowid: Int64, _ document: SearchDocument, _ db: Database) throws {
        try db.cachedStatement(sql: #"INSERT INTO "\#(table)" (rowid, title, body) VALUES (?, ?, ?)"#)
            .execute(arguments: [rowid, document.title, document.body])
    }

    /// Takes a row's tokens out of the contentless table: FTS5's `delete` command, given
    /// exactly the text that was indexed.
    private func forget(_ stored: Stored, _ db: Database) throws {
        try db.cachedStatement(sql: #"INSERT INTO "\#(table)" ("\#(table)", rowid, title, body) VALUES ('delete', ?, ?, ?)"#)
            .execute(arguments: [stored.rowid, stored.title, stored.body])
    }

    /// Merges the index into one b-tree segment: after a bulk load, so searches read less.
    public func optimize(_ db: Database) throws {
        try guarded { try db.execute(sql: #"INSERT INTO "\#(table)" ("\#(table)") VALUES ('optimize')"#) }
    }

    /// The number of documents.
    public func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: #"SELECT count(*) FROM "\#(keys)""#) ?? 0
    }

    /// The ids of all documents, sorted.
    public func ids(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: #"SELECT id FROM "\#(keys)" ORDER BY id"#)
    }

    // MARK: - Searching

    /// The documents that contain every term of `query`, best first (bm25, the title
    /// weighted above the body), at most `limit` of them, each with its title marked and
    /// a snippet of its body around the matches (``SearchHit``).
    ///
    /// Every match is ranked, by ``SearchRanking`` (FTS5's bm25, the same scores, with the
    /// documents' lengths held in memory): a word in 70% of 10,000 guides ranks in about
    /// 2 ms where FTS5's `bm25()` took 9–12 ms (`Tools/bench kb`, "where the time goes").
    /// Ties keep the order of the rowids (the order documents were first put). Hits are marked by ``SearchMarker`` from the text this index
    /// keeps, for the returned rows only. An empty query finds nothing.
    ///
    /// With `ids`, only those documents are searched (the statistics stay the whole index's,
    /// so their ranks compare with an unrestricted search's).
    public func search(
        _ query: SearchQuery, limit: Int = 20, marks: SearchMarks = .brackets, within ids: [String]? = nil, _ db: Database
    ) throws -> [SearchHit] {
        guard !query.isEmpty, limit > 0, ids?.isEmpty != true else { return [] }
        return try guarded {
            // `everyRow` (1) lets a one-phrase query defer its idf; a search `within` scores only some rows (0).
            let score = #"\#(SearchRanking.functionName)("\#(table)", '\#(table)', \#(ids == nil ? 1 : 0), \#(titleWeight), \#(bodyWeight)) AS score"#
            let rows: [Row]
            if let ids {
                rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT rowid, \(score) FROM "\(table)" WHERE "\(table)" MATCH ?
                            AND rowid IN (SELECT rowid FROM "\(keys)" WHERE id IN (SELECT value FROM json_each(?)))
                            ORDER BY score, rowid LIMIT ?
                            """),
                    arguments: [query.pattern, Self.jsonArray(ids), min(limit, 1000)])
            } else {
                rows = try Row.fetchAll(
                    db.cachedStatement(sql: #"SELECT rowid, \#(score) FROM "\#(table)" WHERE "\#(table)" MATCH ? ORDER BY score, rowid LIMIT ?"#),
                    arguments: [query.pattern, min(limit, 1000)])
            }
            let ranked = rows.map { (rowid: $0[0] as Int64, rank: $0[1] as Double) }
            // A one-phrase query's rows were ranked without their common idf (SearchRanking.DeferredIDF).
            let idf = ranked.isEmpty ? 1 : try Double.fetchOne(db.cachedStatement(sql: "SELECT \(SearchRanking.idfFunctionName)()")) ?? 1
            guard !ranked.isEmpty else { return [] }
            let marker = try SearchMarker(query, marks: marks, db)
            let fetch = try db.cachedStatement(sql: #"SELECT id, title, body FROM "\#(keys)" WHERE rowid = ?"#)
            return try ranked.compactMap { hit -> SearchHit? in
                guard let row = try Row.fetchOne(fetch, arguments: [hit.rowid]) else { return nil }
                let body = try SearchStoredText.decode(row[2] as Data)
                return SearchHit(id: row[0], rank: hit.rank * idf, title: marker.highlight(row[1]), snippet: marker.snippet(body))
            }
        }
    }

    /// `ids` as a JSON array of strings, for `json_each`.
    private static func jsonArray(_ ids: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(ids), as: UTF8.self)
    }

    /// How many bytes the index takes, by part (SQLite's `dbstat`: pages, free space included).
    public func storage(_ db: Database) throws -> SearchStorage {
        let rows = try Row.fetchAll(
            db, sql: "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE ? ESCAPE '\\' GROUP BY name",
            arguments: [table.replacingUnderscores() + "%"])
        var storage = SearchStorage()
        for row in rows {
            let name: String = row[0]
            let bytes: Int = row[1]
            switch name {
            case table + "_data", table + "_idx": storage.index += bytes
            case keys: storage.content += bytes
            case table + "_docsize", table + "_config": storage.lengths += bytes
            default: break
            }
        }
        let keyIndex = try Int.fetchOne(db, sql: "SELECT sum(pgsize) FROM dbstat WHERE name = ?", arguments: ["sqlite_autoindex_\(keys)_1"])
        storage.keys += keyIndex ?? 0
        return storage
    }

    /// Turns SQLite's words for a missing tokenizer or a refused query into ``SearchError``.
    private func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.message?.contains("no such tokenizer") == true {
            throw SearchError(
                .tokenizerMissing,
                "search is not set up on this connection: register MixedScriptTokenizer (SearchIndex.register) when the database opens")
        } catch let error as DatabaseError where error.message?.hasPrefix("fts5:") == true {
            throw SearchError(.invalidQuery, "the search could not run: \(error.message ?? "")")
        }
    }
}

extension String {
    /// `_` escaped for `LIKE … ESCAPE '\'`.
    fileprivate func replacingUnderscores() -> String {
        var out = ""
        for c in self {
            if c == "_" || c == "%" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }
}

/// A document to index: an id the caller chooses, a title and a body.
public struct SearchDocument: Sendable, Equatable {
    public var id: String
    public var title: String
    public var body: String

    public init(id: String, title: String, body: String) {
        self.id = id
        self.title = title
        self.body = body
    }
}

/// A document found by ``SearchIndex/search(_:limit:marks:_:)``.
public struct SearchHit: Sendable, Equatable {
    public let id: String
    /// bm25 as FTS5 gives it: negative, and lower is better.
    public let rank: Double
    /// The title, with every match between the marks.
    public let title: String
    /// A few words of the body around the best matches, marked; the body's start when only
    /// the title matched.
    public let snippet: String

    public init(id: String, rank: Double, title: String, snippet: String) {
        self.id = id
        self.rank = rank
        self.title = title
        self.snippet = snippet
    }
}

/// How matches are marked in a hit's title and snippet.
public struct SearchMarks: Sendable, Equatable {
    public var open: String
    public var close: String
    /// Stands for the text a snippet leaves out.
    public var ellipsis: String
    /// The snippet's length in tokens (1–64): a word, or one CJK character.
    public var snippetTokens: Int

    public init(open: String, close: String, ellipsis: String = "…", snippetTokens: Int = 24) {
        self.open = open
        self.close = close
        self.ellipsis = ellipsis
        self.snippetTokens = snippetTokens
    }

    /// `[match]`.
    public static let brackets = SearchMarks(open: "[", close: "]")
}

/// The bytes a search index takes on disk.
public struct SearchStorage: Sendable, Equatable {
    /// The inverted index (`_data`, `_idx`).
    public var index = 0
    /// The index's copy of the titles and bodies, the body compressed, with the ids
    /// (`<table>_keys`).
    public var content = 0
    /// Token counts per document, and FTS5's settings (`_docsize`, `_config`).
    public var lengths = 0
    /// The index from id to rowid.
    public var keys = 0

    public var total: Int { index + content + lengths + keys }
}
