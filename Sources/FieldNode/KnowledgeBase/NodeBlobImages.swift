import FieldModel
import FieldStore
import Foundation
import NIOCore

/// Article images stored through a ``NodeBlobStore`` (a central on PostgreSQL, which any of
/// its nodes then serves): the file is uploaded in pieces of at most
/// ``BlobContent/pieceLimit`` bytes, never held whole, and visible only once
/// ``NodeBlobStore/finish(_:)`` verified its SHA-256.
public struct NodeBlobImages: ArticleImageStore {
    /// The upload lease holder of an import's uploads.
    static let holder = "kb import"
    let blobs: any NodeBlobStore

    public init(_ blobs: any NodeBlobStore) { self.blobs = blobs }

    public func contains(_ digest: Digest) async throws -> Bool {
        if case .complete = try await blobs.state(of: digest) { return true }
        return false
    }

    public func store(fileAt path: String, as digest: Digest) async throws -> Bool {
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw StoreError(.unreadableFile, "cannot read \(path): check the path and that you may read it")
        }
        defer { try? file.close() }
        let size = try Self.reading(path) { try file.seekToEnd() }
        // An import cut off part way left what it sent: go on from there (the finish
        // verifies every byte, and throws away a partial blob that does not hash right).
        var offset: UInt64 = 0
        if case .partial(let received) = try await blobs.state(of: digest), received <= size { offset = received }
        try await blobs.ensureRoom(for: size - offset)
        try Self.reading(path) { try file.seek(toOffset: offset) }
        let upload = try await blobs.beginUpload(digest, at: offset, holder: Self.holder)
        do {
            while let piece = try Self.reading(path, { try file.read(upToCount: BlobContent.pieceLimit) }), !piece.isEmpty {
                try await upload.append(ByteBuffer(bytes: piece))
            }
        } catch {
            // What arrived stays for the next import; the lease is let go now.
            try? await upload.close()
            throw error
        }
        try await upload.close()
        return try await blobs.finish(digest)
    }

    /// `body`'s file error as a ``StoreError`` that names the file.
    static func reading<T>(_ path: String, _ body: () throws -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw StoreError(.unreadableFile, "cannot read \(path): \(error.localizedDescription)") }
    }
}
