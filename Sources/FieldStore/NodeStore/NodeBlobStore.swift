import FieldModel
import Foundation
import NIOCore

/// The node's blobs (photos, signatures, by SHA-256) and what it knows of who may move them,
/// whichever database holds them: files in the data folder beside one SQLite file
/// (``SQLiteNodeBlobStore``), or chunks in PostgreSQL shared by several nodes
/// (`PostgresNodeBlobStore`, in FieldCentral).
///
/// The node's blob routes see only this protocol, so what a blob request may do is decided
/// once, above it. Every method is async and never blocks Swift's cooperative pool (SQLite
/// and file work run on ``BlockingWork``'s threads, PostgreSQL's on PostgresNIO's event
/// loops). FieldCentralTests' `BlobConformanceTests` holds both backends to the same behaviour.
///
/// An upload appends at the offset where the held bytes end, under an upload lease (one
/// writer at a time; a stalled one is taken over, ``UploadLease``), durably when
/// ``BlobUpload/close()`` returns; ``finish(_:)`` verifies the SHA-256 before the blob is
/// visible. A download reads a complete blob in pieces of at most ``BlobContent/pieceLimit``.
public protocol NodeBlobStore: Sendable {
    // MARK: Who may move a blob

    /// May `principal` upload or download the blob? Blob scope is ticket scope: a blob moves
    /// only if an op on a ticket in the principal's scope refers to it, or a live article in
    /// its scope shows it (then `.allowed(maxSize: 0)`: central stored it, nobody uploads it).
    func access(_ digest: Digest, for principal: Principal) async throws(StoreError) -> BlobAccess
    /// May `principal` download the blob? Some reference on a ticket in its scope must come
    /// from a principal that proved it holds the bytes (SPEC §7.3), or a live article in its
    /// scope must show it.
    func mayDownload(_ digest: Digest, for principal: Principal) async throws(StoreError) -> Bool
    /// The tickets in `principal`'s scope with a proven reference to the blob: what a depot
    /// downloading it may let its own engineers download it through (M8, SPEC §8).
    func provenTickets(_ digest: Digest, for principal: Principal) async throws(StoreError) -> [String]

    // MARK: The bytes

    /// What the node holds of the blob.
    func state(of digest: Digest) async throws(StoreError) -> BlobState
    /// Whether another upload holds a live lease on the blob that `holder`'s new upload could
    /// not take over now: its ``beginUpload(_:at:holder:)`` would be refused.
    func isUploading(_ digest: Digest, for holder: String) async throws(StoreError) -> Bool
    /// Refuses (``StoreError/Code/diskFull``) an upload that may still send `incoming` bytes
    /// when the storage has no room for them; nothing is changed either way.
    func ensureRoom(for incoming: UInt64) async throws(StoreError)
    /// Starts appending to the blob at `offset`, which must be where the held bytes end
    /// (``StoreError/Code/wrongOffset`` otherwise), under an upload lease for `holder` (a
    /// principal's name): ``StoreError/Code/uploadBusy`` while another upload holds a live
    /// one, ``StoreError/Code/blobComplete`` for a blob already whole. A refusal changes nothing.
    func beginUpload(_ digest: Digest, at offset: UInt64, holder: String) async throws(StoreError) -> any BlobUpload
    /// Verifies the partial blob by streaming it through SHA-256: true and visible if it
    /// hashes to `digest`, false with the partial bytes discarded otherwise. True for a blob
    /// already complete, false for one absent.
    func finish(_ digest: Digest) async throws(StoreError) -> Bool
    /// A complete blob, to read in pieces; nil unless the node holds it whole.
    func content(of digest: Digest) async throws(StoreError) -> BlobContent?
    /// Deletes unfinished uploads whose last byte is older than `age` and that no live
    /// upload holds; returns which.
    func sweepPartials(untouchedFor age: Duration) async -> [Digest]

    // MARK: Proof of possession (SPEC §7.3)

    func hasPossession(_ digest: Digest, principal: String) async throws(StoreError) -> Bool
    func recordPossession(_ digest: Digest, principal: String, now: UInt64) async throws(StoreError)
    /// Opens a challenge: only the nonce's hash is kept; a new one replaces the open one.
    func openChallenge(_ digest: Digest, principal: String, nonceHash: Digest, expires: UInt64) async throws(StoreError)
    /// Takes the open challenge (single use: gone whatever the answer), if any.
    func takeChallenge(_ digest: Digest, principal: String) async throws(StoreError) -> BlobChallenge?
    /// Drops challenges past their expiry (Unix ms).
    func dropExpiredChallenges(now: UInt64) async throws(StoreError)

    // MARK: Who holds each unfinished upload (the principal that sent bytes last)

    func claimPartial(_ digest: Digest, principal: String) async throws(StoreError)
    func partialOwner(_ digest: Digest) async throws(StoreError) -> String?
    func partials(ownedBy principal: String) async throws(StoreError) -> [Digest]
    func allPartials() async throws(StoreError) -> [Digest]
    func forgetPartial(_ digest: Digest) async throws(StoreError)
}

/// An open challenge: the hash of the nonce given out, and when it expires (Unix ms).
public struct BlobChallenge: Sendable, Equatable {
    public let nonceHash: Digest
    public let expires: UInt64

    public init(nonceHash: Digest, expires: UInt64) {
        self.nonceHash = nonceHash
        self.expires = expires
    }
}

/// One upload request's right to append to a partial blob (``NodeBlobStore/beginUpload(_:at:holder:)``).
/// Used by one request at a time; `close` once.
public protocol BlobUpload: Sendable {
    /// Appends `bytes` after what was appended before; refused (``StoreError/Code/uploadBusy``)
    /// once a newer upload took the lease over: nothing of it reaches the blob then.
    func append(_ bytes: ByteBuffer) async throws(StoreError)
    /// Makes everything appended durable, then lets the next upload of the blob in. After a
    /// takeover nothing of this upload is kept. A cut connection closes too: what arrived stays.
    func close() async throws(StoreError)
}
