import FieldCentral
import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import NIOCore
import PostgresNIO

/// Leases quick enough to wait out in a test, with margins for a loaded 2-core machine:
/// the same principal takes an idle upload over after 2 s; nobody else before an hour.
let testLeases = UploadLease.Policy(idle: .seconds(2), expiry: .seconds(3600))

/// A fresh node store and its blobs on `backend`, for the length of `body`.
func withBlobStore<T>(
    _ backend: Backend, leases: UploadLease.Policy = testLeases,
    _ body: (_ store: any NodeStore, _ blobs: any NodeBlobStore) async throws -> T
) async throws -> T {
    switch backend {
    case .sqlite:
        let folder = try TempFolder("blob-conformance")
        let path = folder.path + "/node.sqlite"
        _ = try ReplicaStore.create(at: path, replica: ReplicaID("node-c0ffee01")!, engineer: "dispatch")
        let store = try ReplicaStore.open(at: path, concurrentReads: true)
        let blobs = SQLiteNodeBlobStore(store: store, files: FileBlobStore(root: folder.path, leases: leases), reserve: nil)
        return try await withTaskExecutorPreference(DedicatedExecutor.shared) {
            try await body(SQLiteNodeStore(store), blobs)
        }
    case .postgres:
        return try await withCentral { client, store, _ in
            try await body(store, PostgresNodeBlobStore(client: client, logger: testLogger, leases: leases))
        }
    }
}

/// Blobs and the ops that attach them.
enum BlobFixtures {
    typealias F = SyncFixtures
    static let piece = BlobContent.pieceLimit

    /// `count` bytes no run of which repeats soon (a shifted piece would not hash right).
    static func bytes(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    static func attach(_ replica: ReplicaID, _ counter: UInt64, on ticket: String, _ digest: Digest, size: UInt64) -> Op {
        F.op(replica, counter, on: ticket, .attachmentAdded(Attachment(kind: .photo, sha256: digest, byteSize: size, mediaType: "image/jpeg", caption: "pump")))
    }

    /// T1-pump made by dispatch and assigned to E17, whose tablet attaches `digest` to it.
    static func attached(_ store: any NodeStore, _ digest: Digest, size: UInt64) async throws {
        _ = try await F.ingest(store, [F.created(F.desk, 1, "T1-pump", assignee: "E17")], from: F.dispatcher, replica: F.desk)
        let result = try await F.ingest(store, [attach(F.tab17, 1, on: "T1-pump", digest, size: size)], from: F.e17, replica: F.tab17)
        precondition(result.quarantined.isEmpty)
    }

    /// Uploads `bytes[range]` from `range.lowerBound` in appends of `step` bytes, then closes.
    static func upload(_ blobs: any NodeBlobStore, _ digest: Digest, _ bytes: [UInt8], _ range: Range<Int>, step: Int = 100_000, holder: String = "E17")
        async throws
    {
        let upload = try await blobs.beginUpload(digest, at: UInt64(range.lowerBound), holder: holder)
        var at = range.lowerBound
        while at < range.upperBound {
            let end = min(at + step, range.upperBound)
            try await upload.append(ByteBuffer(bytes: bytes[at..<end]))
            at = end
        }
        try await upload.close()
    }

    /// Every piece of the blob's range, checked to be no larger than a chunk and not empty.
    static func read(_ content: BlobContent, from start: UInt64 = 0, length: UInt64? = nil) async throws -> (bytes: [UInt8], pieces: [Int]) {
        var out: [UInt8] = []
        var sizes: [Int] = []
        for try await piece in content.pieces(from: start, length: length) {
            sizes.append(piece.readableBytes)
            out += piece.readableBytesView
        }
        return (out, sizes)
    }

    /// The code of a store refusal; nil if `body` succeeded.
    static func refusal(_ body: () async throws -> some Any) async -> StoreError.Code? { await F.refusal(body) }
}
