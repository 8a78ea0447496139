import FieldModel
import FieldStore

/// What an import will do, decided before anything is written: each article file is
/// new, updated or unchanged against what central holds, and with `--prune` each
/// article whose file is gone is retired.
///
/// Pure: it reads no file and writes nothing, so the rules are tested without a disk.
struct KnowledgeBasePlan: Sendable {
    /// One article file, checked and with its images hashed.
    struct Article: Sendable {
        let file: ArticleFile
        let id: EntityID
        /// The version to publish if anything changed (its `version` is set by the plan).
        let content: ArticlePublished
        let images: ArticleImages
    }

    let entries: [KnowledgeBaseImport.Entry]
    /// The ops to record, in the order of `entries` (unchanged ones have none).
    let ops: [(id: EntityID, body: any EntityOpBody)]
    /// Images of the articles published, to store before their ops.
    let imageFiles: [Digest: String]

    /// Compares `articles` (sorted by path, ids unique) with `existing`, central's articles.
    init(_ articles: [Article], existing: [StoredArticle], prune: Bool) {
        let stored = Dictionary(existing.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var entries: [KnowledgeBaseImport.Entry] = []
        var ops: [(id: EntityID, body: any EntityOpBody)] = []
        var imageFiles: [Digest: String] = [:]
        for article in articles {
            var version = article.content
            let change: KnowledgeBaseImport.Change
            if let held = stored[article.id] {
                version.version = held.version.version
                if version == held.version && !held.retired {
                    entries.append(.init(id: article.file.frontMatter.id, file: article.file.path, change: .unchanged, version: version.version))
                    continue
                }
                // A retired article whose file came back is published again, as a new version.
                // Saturating: a version of 2^64 - 1 (pushed by a dispatcher's device) is
                // followed by one of the same number, later by its stamp.
                version.version = held.version.version == .max ? .max : held.version.version + 1
                change = .updated
            } else {
                version.version = 1
                change = .new
            }
            entries.append(.init(id: article.file.frontMatter.id, file: article.file.path, change: change, version: version.version))
            ops.append((article.id, version))
            imageFiles.merge(article.images.files) { a, _ in a }
        }
        if prune {
            let present = Set(articles.map(\.id))
            for held in existing.sorted(by: { $0.id < $1.id }) where !held.retired && !present.contains(held.id) {
                entries.append(.init(id: held.name, file: nil, change: .retired, version: held.version.version))
                ops.append((held.id, ArticleRetired()))
            }
        }
        self.entries = entries
        self.ops = ops
        self.imageFiles = imageFiles
    }
}
