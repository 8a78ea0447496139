import FieldModel
import Foundation
import GRDB

/// An article as a replica stores it: its latest published version, and whether a later
/// retirement withdrew it (central keeps retired articles; a device purges them).
public struct StoredArticle: Sendable, Equatable {
    public let id: EntityID
    public let version: ArticlePublished
    public let retired: Bool
    /// The op-log position of the last op that changed it.
    public let seq: Int64

    /// The id without its kind (`fan-guide` for `article:fan-guide`).
    public var name: String { String(id.rawValue.dropFirst(Article.kind.rawValue.count + 1)) }
}

/// The `articles` rows and their search index (`article_search`), derived from each
/// article's ops by the model (`Article`).
enum ArticleRows: EntityProjection {
    static var kind: EntityKind { Article.kind }
    static let search = SearchIndex(table: "article_search")

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE articles (
                    id TEXT PRIMARY KEY NOT NULL,
                    version INTEGER NOT NULL,
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    language TEXT NOT NULL,
                    everyone INTEGER NOT NULL,
                    -- JSON arrays of strings (images: SHA-256 hex).
                    device_models TEXT NOT NULL,
                    fault_codes TEXT NOT NULL,
                    keywords TEXT NOT NULL,
                    images TEXT NOT NULL,
                    retired INTEGER NOT NULL,
                    seq INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        try search.create(db)
    }

    static func refresh(_ id: EntityID, _ db: Database) throws {
        let (ops, seq) = try OpRows.ops(of: id, db)
        var article = Article(id: id)
        for op in ops { article.apply(op) }
        guard let latest = article.latest?.version else {
            try purge(id, db)
            return
        }
        let retired = article.current == nil
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO articles
                    (id, version, title, body, language, everyone, device_models, fault_codes, keywords, images, retired, seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                // The version's bits (2^64 - 1 reads back whole, as on PostgreSQL).
                id.rawValue, Int64(bitPattern: latest.version), latest.title, latest.body, latest.language, latest.everyone,
                json(latest.deviceModels), json(latest.faultCodes), json(latest.keywords), json(latest.images.map(\.hex)),
                retired, seq,
            ])
        try db.execute(sql: "DELETE FROM article_images WHERE article = ?", arguments: [id.rawValue])
        try db.execute(sql: "DELETE FROM article_terms WHERE article = ?", arguments: [id.rawValue])
        if !retired {
            let terms = try db.cachedStatement(sql: "INSERT OR IGNORE INTO article_terms (kind, term, article) VALUES (?, ?, ?)")
            for (kind, list) in [("m", latest.deviceModels), ("c", latest.faultCodes), ("k", latest.keywords)] {
                for term in Set(list.map(ArticlePublished.folded)) where !term.isEmpty {
                    try terms.execute(arguments: [kind, term, id.rawValue])
                }
            }
        }
        if retired {
            _ = try search.remove(id: id.rawValue, db)
        } else {
            _ = try search.put(SearchDocument(id: id.rawValue, title: latest.title, body: latest.body), db)
            for image in Set(latest.images) {
                try db.execute(sql: "INSERT INTO article_images (sha256, article) VALUES (?, ?)", arguments: [image.hex, id.rawValue])
            }
        }
    }

    static func purge(_ id: EntityID, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM articles WHERE id = ?", arguments: [id.rawValue])
        try db.execute(sql: "DELETE FROM article_images WHERE article = ?", arguments: [id.rawValue])
        try db.execute(sql: "DELETE FROM article_terms WHERE article = ?", arguments: [id.rawValue])
        _ = try search.remove(id: id.rawValue, db)
    }

    static let columns = "id, version, title, body, language, everyone, device_models, fault_codes, keywords, images, retired, seq"

    static func decode(_ row: Row) -> StoredArticle? {
        guard let id = EntityID(row[0] as String) else { return nil }
        let version = ArticlePublished(
            version: UInt64(bitPattern: row[1] as Int64), title: row[2], body: row[3], deviceModels: list(row[6]),
            faultCodes: list(row[7]), keywords: list(row[8]), language: row[4], everyone: row[5],
            images: list(row[9]).compactMap(Digest.init(hex:)))
        return StoredArticle(id: id, version: version, retired: row[10], seq: row[11])
    }

    static func json(_ list: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func list(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}

extension ReplicaStore {
    /// Every article this replica holds, retired ones too, by id.
    public func articles() throws(StoreError) -> [StoredArticle] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(ArticleRows.columns) FROM articles ORDER BY id").compactMap(ArticleRows.decode)
        }
    }

    /// One article, or nil if this replica holds none under `id`.
    public func article(_ id: EntityID) throws(StoreError) -> StoredArticle? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(ArticleRows.columns) FROM articles WHERE id = ?", arguments: [id.rawValue])
                .flatMap(ArticleRows.decode)
        }
    }

    /// The current articles that fit a ticket with `facts`, by title: the scope's lookup
    /// (`EntityScope.articles(fitting:)`), not a read of every article.
    public func articles(fitting facts: TicketFacts) throws(StoreError) -> [StoredArticle] {
        try read { db in
            try EntityScope.articles(fitting: EntityScope.folded(facts), db).compactMap { raw in
                try Row.fetchOne(db, sql: "SELECT \(ArticleRows.columns) FROM articles WHERE id = ?", arguments: [raw]).flatMap(ArticleRows.decode)
            }.sorted { ($0.version.title, $0.id.rawValue) < ($1.version.title, $1.id.rawValue) }
        }
    }

    /// Articles matching `text` (English, Chinese or both), best first (bm25, the title
    /// above the body), retired ones never; with `ids`, only those articles.
    public func searchArticles(_ text: String, limit: Int = 20, within ids: [EntityID]? = nil) throws(StoreError) -> [SearchHit] {
        let query: SearchQuery
        do { query = try SearchQuery(text) } catch { throw StoreError(.badQuery, error.message) }
        return try read { db in try ArticleRows.search.search(query, limit: limit, within: ids?.map(\.rawValue), db) }
    }
}

extension ReplicaStore {
    /// Whether `digest` is an image of an article in `principal`'s scope (central published
    /// it: no proof of possession is asked of anyone); nil when no article shows it.
    func articleImageAccess(_ digest: Digest, for principal: Principal, _ db: Database) throws -> Bool? {
        let articles = try String.fetchAll(
            db.cachedStatement(sql: "SELECT article FROM article_images WHERE sha256 = ?"), arguments: [digest.hex])
        if articles.isEmpty { return nil }
        if principal.seesEverything { return true }
        for article in articles where try Scope.allows(principal, entity: article, db) { return true }
        return false
    }
}
