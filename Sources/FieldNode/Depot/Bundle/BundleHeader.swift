import FieldStore
import FieldWire

/// A bundle's header (kind 1): who made it for whom, and what it holds.
public struct BundleHeader: Sendable, Codable, Hashable {
    public enum Role: String, Sendable, Codable {
        /// A site's push and pull request, for its upstream.
        case request
        /// The upstream's answer: acks, pull pages, and what it has for the site.
        case answer
    }

    /// One blob the bundle carries.
    public struct Blob: Sendable, Codable, Hashable {
        public let sha: String
        public let bytes: UInt64
        /// An answer's: the tickets in the site's scope with a proven reference to it, which
        /// the site's engineers may download it through there (SPEC §8).
        public var provenOn: [String]?

        public init(sha: String, bytes: UInt64, provenOn: [String]? = nil) {
            self.sha = sha
            self.bytes = bytes
            self.provenOn = provenOn
        }
    }

    /// What the records after the header are: checked against them, record by record.
    public struct Manifest: Sendable, Codable, Hashable {
        public var frames: Int
        public var ops: Int
        public var blobs: [Blob]

        public init(frames: Int = 0, ops: Int = 0, blobs: [Blob] = []) {
            self.frames = frames
            self.ops = ops
            self.blobs = blobs
        }
    }

    public var format = BundleFormat.version
    public var role: Role
    /// The replica id of the node that wrote it.
    public var from: String
    /// For a request: the name the site gives its upstream (its sync state is kept under it).
    /// For an answer: that name again, as the request said it.
    public var peer: String
    /// An answer's: the replica id of the site it answers; a request's: nil.
    public var to: String?
    /// An answer's: the checksum (trailer) of the request it answers, in hex.
    public var answers: String?
    /// Unix ms.
    public var created: UInt64
    public var manifest: Manifest
    /// A request's: engineers' proofs of possession the site vouches for (SPEC §8); an
    /// answer's: those the upstream went through (the site sends them no more).
    public var vouches: [BlobVouch]?
    /// An answer's: the request's blobs the upstream now holds whole.
    public var held: [String]?
    /// An answer to a depot's request: the depot's current engineers, and their tokens' hashes
    /// (as `GET /v1/depot/members` and `/v1/depot/tokens` answer).
    public var members: [String]?
    public var tokens: [TokenHash]?
    /// A request's: when the newest answer the site took in was written (its `created`).
    /// The answer to this one is written later than that whatever the upstream's clock says,
    /// so a clock stepped back there does not make the site refuse it as older.
    public var answered: UInt64?
    /// A depot's request: the own replicas of the depots it relays, claimed for them before
    /// the frames are applied (as `POST /v1/depot/replicas`).
    public var claims: [RelayedReplica]?
    /// An answer to a depot's request: the part of the relay tree below it (as
    /// `GET /v1/depot/tree` answers).
    public var tree: DepotTree?

    public init(role: Role, from: String, peer: String, created: UInt64, manifest: Manifest = Manifest()) {
        self.role = role
        self.from = from
        self.peer = peer
        self.created = created
        self.manifest = manifest
    }
}
