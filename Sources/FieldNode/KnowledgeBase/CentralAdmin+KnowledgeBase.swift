import FieldModel
import FieldStore
import Foundation

/// The knowledge base at central, on either backend: `kb import`, `kb list`, `kb show`.
extension CentralAdmin {
    /// Imports the article folder at `folder` (see ``KnowledgeBaseImport``); images go to
    /// the central's blobs, where the server finds complete blobs.
    public func importKnowledgeBase(
        from folder: String, prune: Bool, progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> KnowledgeBaseImport.Summary {
        try await KnowledgeBaseImport.run(
            try KnowledgeBaseFolder(folder), into: store, images: images, prune: prune, now: clock(), progress: progress)
    }

    /// Every article central holds, retired ones too, by id.
    public func articles() async throws -> [StoredArticle] { try await store.articles() }

    /// The article `raw` names, as `fan-guide` or `article:fan-guide`.
    public func article(_ raw: String) async throws -> StoredArticle {
        guard let article = try await store.article(try Self.articleID(raw)) else { throw Self.noArticle(raw) }
        return article
    }

    /// The article id `raw` names, as `fan-guide` or `article:fan-guide`.
    static func articleID(_ raw: String) throws -> EntityID {
        let name = raw.hasPrefix(Article.kind.rawValue + ":") ? String(raw.dropFirst(Article.kind.rawValue.count + 1)) : raw
        guard let id = EntityID(kind: Article.kind, name: name) else { throw noArticle(raw) }
        return id
    }

    static func noArticle(_ raw: String) -> NodeError {
        NodeError.notFound("no article '\(raw)' on this node: `fieldsync-node kb list` lists them")
    }
}
