import FieldStore
import Logging
import PostgresNIO

/// Whose scope a principal sees on a central on PostgreSQL, as SQLite's `Scope` decides it:
/// an engineer's own name; a depot's, and its current members' (M8). Rows of
/// `ticket_scope` and `entity_scope` under any of these names are in its scope.
enum CentralScope {
    static func names(_ principal: Principal, _ client: PostgresClient, logger: Logger) async throws -> [String] {
        guard principal.role == .depot else { return [principal.name] }
        let members = try await client.query(
            "SELECT engineer FROM depot_members WHERE depot = \(principal.name) AND removed_wall IS NULL ORDER BY engineer", logger: logger
        ).decode(String.self).all()
        return [principal.name] + members
    }
}
