/// A version of a knowledge-base article, as central publishes it (op kind 8): the whole
/// article, so a device needs no earlier version to show it.
public struct ArticlePublished: EntityOpBody {
    public static var opKind: OpKind { OpKind(rawValue: 8) }

    /// Central's version number of the article (1, 2, …), for people; the newest
    /// version is the one with the latest stamp.
    public var version: UInt64
    public var title: String
    /// Markdown.
    public var body: String
    public var deviceModels: [String]
    public var faultCodes: [String]
    public var keywords: [String]
    /// BCP 47 tag: `en`, `zh`, `zh-Hans`.
    public var language: String
    /// Whether every device gets it, whatever its tickets.
    public var everyone: Bool
    /// Images the article shows, as blobs fetched on demand.
    public var images: [Digest]

    public init(
        version: UInt64, title: String, body: String, deviceModels: [String] = [], faultCodes: [String] = [],
        keywords: [String] = [], language: String = "en", everyone: Bool = false, images: [Digest] = []
    ) {
        self.version = version
        self.title = title
        self.body = body
        self.deviceModels = deviceModels
        self.faultCodes = faultCodes
        self.keywords = keywords
        self.language = language
        self.everyone = everyone
        self.images = images
    }

    /// Most entries a list of an article may hold.
    public static let maxListEntries = 256

    public func validate() throws(ModelError) {
        guard !title.isEmpty else { throw ModelError(.invalidText, "an article needs a title") }
        guard version > 0 else { throw ModelError(.invalidOp, "article versions count from 1") }
        try Op.checkText(title, "article title")
        try Op.checkText(body, "article body")
        for (list, what) in [(deviceModels, "device models"), (faultCodes, "fault codes"), (keywords, "keywords")] {
            guard list.count <= Self.maxListEntries else {
                throw ModelError(.invalidOp, "an article lists at most \(Self.maxListEntries) \(what)")
            }
            try Op.checkText(list.joined(separator: "\n"), "article \(what)")
        }
        guard images.count <= Self.maxListEntries else {
            throw ModelError(.invalidOp, "an article shows at most \(Self.maxListEntries) images")
        }
        try Op.checkText(language, "article language")
    }
}

/// A knowledge-base article withdrawn by central (op kind 9): it leaves every device.
/// A later published version brings it back.
public struct ArticleRetired: EntityOpBody {
    public static var opKind: OpKind { OpKind(rawValue: 9) }
    public init() {}
    public func validate() throws(ModelError) {}
}
