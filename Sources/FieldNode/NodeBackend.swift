import FieldCentral
import FieldModel
import FieldStore
import Logging

/// The store a serving node runs on, with who it is to devices: its data folder's SQLite
/// file, or a central PostgreSQL database that other node processes share.
public struct NodeBackend: Sendable {
    /// What sync reads and writes.
    public let store: any NodeStore
    /// The replica id the node answers with in its hello.
    public let replica: ReplicaID
    /// The hello's incarnation (SPEC §3.2).
    public let incarnation: String
    /// The key served ops are vouched for with (SPEC §3.10).
    public let voucherKey: [UInt8]
    /// The data folder's store, for what is not yet behind ``NodeStore`` (blobs); nil on
    /// PostgreSQL.
    let folder: ReplicaStore?
    /// The central database, for its metrics; nil on SQLite.
    let central: PostgresNodeStore?

    /// Opens the backend `configuration` names and runs `body` with it (the PostgreSQL
    /// client's connections live as long as `body`).
    public static func with<T>(_ configuration: NodeConfiguration, logger: Logger, _ body: (NodeBackend) async throws -> T) async throws -> T {
        if let url = configuration.postgresURL {
            return try await PostgresNodeStore.with(url: url, logger: logger) { store in
                let identity = try await store.identity()
                if let old = identity.forkedFrom {
                    logger.notice("the central database was restored (another cluster or timeline than it recorded): the central records from now on as \(identity.replica), no longer as \(old), so it can never reuse an op id its devices hold")
                }
                return try await body(
                    NodeBackend(
                        store: store, replica: identity.replica, incarnation: identity.incarnation, voucherKey: try await store.voucherKey(),
                        folder: nil, central: store))
            }
        }
        let store = try NodeData.open(configuration.dataDirectory, concurrentReads: true)
        if let old = store.forkedFrom {
            logger.notice("this data folder is a copy (restored from a backup, or moved to another disk): the node records from now on as \(store.identity.replica), no longer as \(old), so it can never reuse an op id its devices hold")
        }
        return try await body(
            NodeBackend(
                store: SQLiteNodeStore(store), replica: store.identity.replica, incarnation: SyncService.newIncarnation(),
                voucherKey: try store.voucherKey(), folder: store, central: nil))
    }
}
