import FieldModel
import FieldStore
import Logging
import PostgresNIO

/// The node's blobs in PostgreSQL (migration 5), so any node sharing the database serves
/// any blob: a `blobs` row per blob (bytes held, complete or not) and its `blob_chunks` of at
/// most ``BlobContent/pieceLimit`` bytes, appended one transaction per chunk and streamed
/// out chunk by chunk, never held whole. Upload leases live in `blob_leases` (holder, token,
/// the database's time of the last bytes), so the rule of ``UploadLease`` holds across node
/// processes: one writer at a time, a stalled one taken over, its later writes refused.
///
/// Who may move a blob comes from `ticket_blobs` and `blob_attachers`, which
/// ``PostgresNodeStore``'s ingest fills as it materialises tickets, and from `entity_blobs`
/// (migration 6), which the materialiser fills as articles change: an article's images are
/// downloaded by whoever's scope holds it (`kb import` stored them whole), never uploaded.
public struct PostgresNodeBlobStore: NodeBlobStore {
    let client: PostgresClient
    let logger: Logger
    let policy: UploadLease.Policy

    /// The blobs of the central `client` reaches (migrated: ``CentralSchema/migrate(_:logger:)``).
    public init(client: PostgresClient, logger: Logger, leases policy: UploadLease.Policy = UploadLease.Policy()) {
        self.client = client
        self.logger = logger
        self.policy = policy
    }

    /// The blobs of the database `store` uses, on its client.
    public init(_ store: PostgresNodeStore, leases policy: UploadLease.Policy = UploadLease.Policy()) {
        self.init(client: store.client, logger: store.logger, leases: policy)
    }

    /// As ``PostgresNodeStore``'s: one translation of the database's errors for both.
    @discardableResult
    func guarded<T>(_ doing: String, _ body: () async throws -> T) async throws(StoreError) -> T {
        try await centralGuarded(doing, body)
    }

    /// What `sha256` holds: received bytes and whether it is complete; nil if absent.
    static func row(_ digest: Digest, _ connection: PostgresConnection, _ logger: Logger, lock: Bool = false) async throws -> (received: UInt64, complete: Bool)? {
        let query: PostgresQuery =
            lock
            ? "SELECT received, complete FROM blobs WHERE sha256 = \(digest.hex) FOR UPDATE"
            : "SELECT received, complete FROM blobs WHERE sha256 = \(digest.hex)"
        return try await connection.checkedQuery(query, logger: logger).decode((Int64, Bool).self).all().first
            .map { (UInt64(clamping: $0.0), $0.1) }
    }
}

extension Duration {
    /// Whole and fractional seconds, for comparing with PostgreSQL's intervals.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
