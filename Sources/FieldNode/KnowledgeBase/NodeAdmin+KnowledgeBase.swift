import FieldModel
import FieldStore
import Foundation

/// The knowledge base at central: `fieldsync-node kb import`, `kb list`, `kb show`.
extension NodeAdmin {
    /// Imports the article folder at `folder` (see ``KnowledgeBaseImport``); images go to
    /// the node's blob store, where the server finds complete blobs.
    public func importKnowledgeBase(
        from folder: String, prune: Bool, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> KnowledgeBaseImport.Summary {
        try KnowledgeBaseImport.run(
            try KnowledgeBaseFolder(folder), into: store, blobs: nodeBlobs, prune: prune, now: clock(), progress: progress)
    }

    /// Every article central holds, retired ones too, by id.
    public func articles() throws -> [StoredArticle] { try store.articles() }

    /// The article `raw` names, as `fan-guide` or `article:fan-guide`.
    public func article(_ raw: String) throws -> StoredArticle {
        let name = raw.hasPrefix(Article.kind.rawValue + ":") ? String(raw.dropFirst(Article.kind.rawValue.count + 1)) : raw
        guard let id = EntityID(kind: Article.kind, name: name), let article = try store.article(id) else {
            throw NodeError.notFound("no article '\(raw)' on this node: `fieldsync-node kb list` lists them")
        }
        return article
    }

    /// The complete blobs of this node's data folder: the folder holds `node.sqlite`
    /// (``NodeData/open(_:concurrentReads:)``), and the server serves `FileBlobStore(root:)`
    /// of the same folder.
    var nodeBlobs: BlobFolder {
        FileBlobStore(root: (store.path as NSString).deletingLastPathComponent).complete
    }
}
