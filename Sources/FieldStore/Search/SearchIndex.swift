import GRDB

/// A full-text index of documents named by id, searched in English and Chinese alike:
/// an FTS5 table tokenized by ``MixedScriptTokenizer``, ranked by bm25 with the title
/// weighted above the body.
///
/// It knows nothing of articles: the caller puts a document under an id, replaces it by
/// putting it again, and removes it by id. Every method runs on a GRDB `Database` inside the
/// caller's transaction, so an article and its index entry change together.
///
/// Tables: `<table>` (FTS5: `title`, `body`; its shadow tables `<table>_data`, `_idx`,
/// `_content`, `_docsize`, `_config`) and `<table>_keys` (id ↔ the FTS5 rowid, so a
/// replace or a removal finds its row by key instead of scanning). On 10,000 generated
/// guides of ~2 KB the inverted index took 1.22× the text; FTS5's copy of the text took
/// 1.95× at SQLite's default 4 KB pages (one ~2 KB row per page), 1.32× at 8 KB.
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
/// - ``search(_:limit:marks:rankAtMost:_:)``
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

    public init(table: String = "search", titleWeight: Double = 10, bodyWeight: Double = 1) {
        precondition(
            table.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
                && table.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) },
            "a search table's name is a plain SQL identifier")
        precondition(titleWeight > 0 && bodyWeight > 0, "bm25 weights are positive")
        self.table = table
        self.titleWeight = titleWeight
        self.bodyWeight = bodyWeight
    }

    // MARK: - Connections

    /// Registers ``MixedScriptTokenizer`` on `db`. Call it once per connection, before the
    /// connection touches a search table (GRDB: `Configuration.prepareDatabase`).
    public static func register(_ db: Database) {
        db.add(tokenizer: MixedScriptTokenizer.self)
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
            try db.execute(
                sql: """
                    CREATE VIRTUAL TABLE IF NOT EXISTS "\(table)" USING fts5(title, body, tokenize = '\(tokenizer)');
                    CREATE TABLE IF NOT EXISTS "\(keys)" (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
                    """)
        }
    }

    /// Indexes `document`, replacing what its id held. Returns false, writing nothing, when
    /// the id already holds the same title and body.
    @discardableResult
    public func put(_ document: SearchDocument, _ db: Database) throws -> Bool {
        try guarded {
            if let rowid = try Int64.fetchOne(
                db.cachedStatement(sql: #"SELECT rowid FROM "\#(keys)" WHERE id = ?"#), arguments: [document.id])
            {
                let current = try Row.fetchOne(
                    db.cachedStatement(sql: #"SELECT title, body FROM "\#(table)" WHERE rowid = ?"#), arguments: [rowid])
                if let current, current[0] as String? == document.title, current[1] as String? == document.body {
                    return false
                }
                try db.cachedStatement(sql: #"DELETE FROM "\#(table)" WHERE rowid = ?"#).execute(arguments: [rowid])
                try insert(rowid: rowid, document, db)
            } else {
                try db.cachedStatement(sql: #"INSERT INTO "\#(keys)" (id) VALUES (?)"#).execute(arguments: [document.id])
                try insert(rowid: db.lastInsertedRowID, document, db)
            }
            return true
        }
    }

    private func insert(rowid: Int64, _ document: SearchDocument, _ db: Database) throws {
        try db.cachedStatement(sql: #"INSERT INTO "\#(table)" (rowid, title, body) VALUES (?, ?, ?)"#)
            .execute(arguments: [rowid, document.title, document.body])
    }

    /// Removes the document `id`; false if there was none.
    @discardableResult
    public func remove(id: String, _ db: Database) throws -> Bool {
        try guarded {
            guard let rowid = try Int64.fetchOne(
                db.cachedStatement(sql: #"SELECT rowid FROM "\#(keys)" WHERE id = ?"#), arguments: [id])
            else { return false }
            try db.cachedStatement(sql: #"DELETE FROM "\#(table)" WHERE rowid = ?"#).execute(arguments: [rowid])
            try db.cachedStatement(sql: #"DELETE FROM "\#(keys)" WHERE rowid = ?"#).execute(arguments: [rowid])
            return true
        }
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
    /// weighted above the body), at most `limit` of them.
    ///
    /// FTS5 sorts by rank itself (`ORDER BY rank`), so the highlight and snippet are made
    /// only for the rows returned; but bm25 is computed for every matching document, about
    /// 2 µs each. `rankAtMost` bounds that work for common terms: when more documents
    /// match, only the `rankAtMost` most recently added of them (the highest rowids) are
    /// ranked, and older ones are left out. An empty query finds nothing.
    public func search(
        _ query: SearchQuery, limit: Int = 20, marks: SearchMarks = .brackets, rankAtMost: Int? = nil, _ db: Database
    ) throws -> [SearchHit] {
        guard !query.isEmpty, limit > 0 else { return [] }
        return try guarded {
            var floor = Int64.min
            if let rankAtMost, rankAtMost > 0 {
                // The rowid of the rankAtMost-th newest match: FTS5 walks matches in rowid
                // order without ranking them, and takes `rowid >= ?` as a range.
                floor = try Int64.fetchOne(
                    db.cachedStatement(sql: #"SELECT rowid FROM "\#(table)" WHERE "\#(table)" MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?"#),
                    arguments: [query.pattern, rankAtMost - 1]) ?? Int64.min
            }
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT (SELECT id FROM "\(keys)" WHERE rowid = "\(table)".rowid), rank,
                            highlight("\(table)", 0, ?, ?), snippet("\(table)", 1, ?, ?, ?, ?)
                        FROM "\(table)" WHERE "\(table)" MATCH ? AND rank MATCH ? AND rowid >= ? ORDER BY rank LIMIT ?
                        """),
                arguments: [
                    marks.open, marks.close, marks.open, marks.close, marks.ellipsis, min(max(marks.snippetTokens, 1), 64),
                    query.pattern, "bm25(\(titleWeight), \(bodyWeight))", floor, min(limit, 1000),
                ])
            return rows.compactMap { row -> SearchHit? in
                guard let id = row[0] as String? else { return nil }
                return SearchHit(id: id, rank: row[1], title: row[2] ?? "", snippet: row[3] ?? "")
            }
        }
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
            case table + "_content": storage.content += bytes
            case table + "_docsize", table + "_config": storage.lengths += bytes
            case keys: storage.keys += bytes
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

/// A document found by ``SearchIndex/search(_:limit:marks:rankAtMost:_:)``.
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
    /// FTS5's copy of the titles and bodies (`_content`).
    public var content = 0
    /// Token counts per document, and FTS5's settings (`_docsize`, `_config`).
    public var lengths = 0
    /// The id ↔ rowid table and its index.
    public var keys = 0

    public var total: Int { index + content + lengths + keys }
}
