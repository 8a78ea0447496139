import FieldModel
import FieldStore
import Foundation

/// The knowledge base at central: `fieldsync-node kb import`, `kb list`, `kb show`.
extension NodeAdmin {
    /// Imports the article folder at `folder` (see ``KnowledgeBaseImport``); images go to
    /// the node's blob store, where the server finds complete blobs.
    public func importKnowledgeBase(
        from folder: String, prune: Bool, progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> KnowledgeBaseImport.Summary {
        try await central.importKnowledgeBase(from: folder, prune: prune, progress: progress)
    }

    /// Every article central holds, retired ones too, by id.
    public func articles() throws -> [StoredArticle] { try store.articles() }

    /// The article `raw` names, as `fan-guide` or `article:fan-guide`.
    public func article(_ raw: String) throws -> StoredArticle {
        guard let article = try store.article(try CentralAdmin.articleID(raw)) else { throw CentralAdmin.noArticle(raw) }
        return article
    }

    /// The complete blobs of this node's data folder: the folder holds `node.sqlite`
    /// (``NodeData/open(_:concurrentReads:)``), and the server serves `FileBlobStore(root:)`
    /// of the same folder.
    var nodeBlobs: BlobFolder {
        FileBlobStore(root: (store.path as NSString).deletingLastPathComponent).complete
    }
}
