import FieldStore
import Logging
import PostgresNIO

/// The node's store in PostgreSQL: several stateless nodes share one database, and any of
/// them serves any request. Runs on PostgresNIO's event loops, never blocking the node's
/// threads; `client` runs as a service in the node's ServiceGroup.
///
/// Implements ``NodeStore``'s facets; FieldCentralTests' `NodeStoreConformance` runs the same
/// tests against it and ``SQLiteNodeStore``.
public struct PostgresNodeStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// Runs inside each push's transaction, after its writes, before it commits: tests hold
    /// one open to make two nodes commit in the unlucky order.
    package var beforeCommit: @Sendable () async throws -> Void = {}

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Runs `body`, turning what PostgreSQL or PostgresNIO throws into a ``StoreError`` an
    /// operator can act on (``centralGuarded(_:_:)``).
    @discardableResult
    func guarded<T>(_ doing: String, _ body: () async throws -> T) async throws(StoreError) -> T {
        try await centralGuarded(doing, body)
    }
}

/// Turns what PostgreSQL or PostgresNIO throws into a ``StoreError`` an operator can act on
/// (never with the connection's password: PostgresNIO's errors do not carry it). One
/// translation for the central's stores, so they cannot drift.
@discardableResult
func centralGuarded<T>(_ doing: String, _ body: () async throws -> T) async throws(StoreError) -> T {
    do {
        return try await body()
    } catch let error as StoreError {
        throw error
    } catch {
        throw StoreError(.database, "the central database failed while \(doing): \(String(reflecting: error))", underlying: error)
    }
}
