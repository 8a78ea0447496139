import FieldStore
import Logging
import PostgresNIO

/// Whose scope a principal sees on a central on PostgreSQL, as SQLite's `Scope` decides it:
/// an engineer's own name; a depot's, the depots it relays now and their current engineers
/// (M8, ``DepotTree``). Rows of
/// `ticket_scope` and `entity_scope` under any of these names are in its scope.
enum CentralScope {
    static func names(_ principal: Principal, _ client: PostgresClient, logger: Logger) async throws -> [String] {
        guard principal.role == .depot else { return [principal.name] }
        return try await client.withConnection { connection in
            try await DepotRows(connection: connection, logger: logger).scopeNames(of: principal.name)
        }
    }
}
