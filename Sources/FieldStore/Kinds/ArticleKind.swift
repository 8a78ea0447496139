import FieldModel

/// Knowledge-base articles as a node keeps them: the latest version, retired or not; in
/// everyone's scope when marked so, and in the scope of engineers whose tickets fit it,
/// while not retired.
public enum ArticleKind: NodeEntityKind {
    public struct Row: Codable, Sendable, Equatable {
        public var version: UInt64
        public var title: String
        public var body: String
        public var language: String
        public var everyone: Bool
        public var deviceModels: [String]
        public var faultCodes: [String]
        public var keywords: [String]
        /// SHA-256 hex of each image.
        public var images: [String]
        public var retired: Bool
        public var seq: Int64
    }

    public static func row(of state: Article, seq: Int64) -> Row? {
        guard let v = state.latest?.version else { return nil }
        return Row(
            version: v.version, title: v.title, body: v.body, language: v.language, everyone: v.everyone, deviceModels: v.deviceModels,
            faultCodes: v.faultCodes, keywords: v.keywords, images: v.images.map(\.hex), retired: state.current == nil, seq: seq)
    }

    public static func audience(of state: Article) -> EntityAudience {
        guard let current = state.current else { return .nobody }
        return EntityAudience(everyone: current.everyone, tickets: current.match)
    }

    /// The current version's images; none once retired (as SQLite's `article_images`).
    public static func blobs(of state: Article) -> [Digest] { Set(state.current?.images ?? []).sorted() }

    /// The article a record holds, as a SQLite store lists it; nil for another kind's.
    public static func stored(_ record: EntityRecord) -> StoredArticle? {
        guard let r = record.row(as: Self.self) else { return nil }
        let version = ArticlePublished(
            version: r.version, title: r.title, body: r.body, deviceModels: r.deviceModels, faultCodes: r.faultCodes,
            keywords: r.keywords, language: r.language, everyone: r.everyone, images: r.images.compactMap(Digest.init(hex:)))
        return StoredArticle(id: record.id, version: version, retired: r.retired, seq: r.seq)
    }
}
