import Logging
import PostgresNIO

/// Transactions and queries that fail, never hang, when PostgreSQL has ended the session.
///
/// PostgresNIO 1.33 writes a query to its channel without a promise: on a connection the
/// server already closed (its idle-in-transaction timeout, an operator's
/// pg_terminate_backend, a failover) the write fails unseen and the query waits for ever,
/// and so do `withTransaction`'s own COMMIT and ROLLBACK after it. A node whose handler
/// stalled past the timeout mid-push hung that request for good (KilledSessionTests; the
/// full test suite hung so, with every thread idle). A session is checked before every
/// statement here: the close has long been seen by then (the server ends a session only
/// after it sat idle for seconds), and the request fails with the store's error instead.
extension PostgresConnection {
    /// `query`, or ``SessionEnded`` when the server has closed this connection.
    @discardableResult
    func checkedQuery(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws -> PostgresRowSequence {
        guard !isClosed else { throw SessionEnded() }
        return try await self.query(query, logger: logger, file: file, line: line)
    }
}

extension PostgresClient {
    /// `body` in one transaction on a leased connection, as `withTransaction`, but with no
    /// statement sent to a session the server ended: such a transaction fails (PostgreSQL
    /// rolled it back when it ended the session), and the error is `body`'s own when it threw.
    func checkedTransaction<T>(logger: Logger, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        // The pool may lease a connection whose close it has not taken in yet (the one a
        // transaction just lost, say): nothing was sent on it, so another is leased.
        for attempt in 1... {
            do {
                return try await withConnection { connection in
                    do {
                        try await connection.checkedQuery("BEGIN", logger: logger)
                    } catch is SessionEnded {
                        throw SessionEnded(beforeBegin: true)
                    }
                    let value: T
                    do {
                        value = try await body(connection)
                    } catch {
                        if !connection.isClosed { _ = try? await connection.checkedQuery("ROLLBACK", logger: logger) }
                        throw error
                    }
                    _ = try await connection.checkedQuery("COMMIT", logger: logger)
                    return value
                }
            } catch let error as SessionEnded where error.beforeBegin && attempt < 5 {
                try await Task.sleep(for: .milliseconds(20 * attempt))
            }
        }
        fatalError("unreachable: the loop returns or throws")
    }
}

/// PostgreSQL ended the session (a timeout, an operator, a failover) before a statement.
struct SessionEnded: Error, CustomStringConvertible {
    /// Found closed when leased, before any statement: another connection may be tried.
    var beforeBegin = false
    var description: String { "PostgreSQL ended the session (idle-in-transaction timeout, pg_terminate_backend or a failover); its transaction was rolled back" }
}
