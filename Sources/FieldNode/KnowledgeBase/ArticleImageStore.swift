import FieldModel
import FieldStore

/// Where `kb import` stores article images, whichever backend holds the central: the data
/// folder's blob files (SQLite, ``BlobFolder``) or the database's blobs (PostgreSQL,
/// ``NodeBlobImages``). Each image is stored whole before any op refers to it, so the node
/// serves every image an article it sends shows.
public protocol ArticleImageStore: Sendable {
    /// Whether the blob is held whole already: an import skips it.
    func contains(_ digest: Digest) async throws -> Bool
    /// Stores the file at `path` whole as `digest`; false when its bytes do not hash to
    /// `digest` (the file changed since the import read it).
    func store(fileAt path: String, as digest: Digest) async throws -> Bool
}

extension BlobFolder: ArticleImageStore {
    /// Copied in under the digest its bytes have; false when that is not `digest`.
    public func store(fileAt path: String, as digest: Digest) throws(StoreError) -> Bool {
        try store(fileAt: path).digest == digest
    }
}
