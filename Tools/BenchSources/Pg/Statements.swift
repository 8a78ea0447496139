import FieldTestSupport
import Foundation
import PostgresNIO

/// Where PostgreSQL's time goes, statement by statement: with FIELDSYNC_BENCH_PG_STATEMENTS=1,
/// Tools/bench starts the cluster with `pg_stat_statements` loaded, the bench resets it before
/// a measurement and prints the statements that took the most time in it after. Off by
/// default: the extension's bookkeeping adds to what is measured.
enum Statements {
    static var enabled: Bool { ProcessInfo.processInfo.environment["FIELDSYNC_BENCH_PG_STATEMENTS"] == "1" }

    /// Forgets every statement counted so far (the extension is made once, in `postgres`).
    static func reset() async throws {
        guard enabled else { return }
        try await onAdminDatabase { connection in
            _ = try await connection.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", logger: benchLogger).collect()
            _ = try await connection.query("SELECT pg_stat_statements_reset()", logger: benchLogger).collect()
        }
    }

    /// The `top` statements by total execution time since ``reset()``, in every database.
    static func report(_ title: String, top: Int = 15) async throws {
        guard enabled else { return }
        let rows = try await onAdminDatabase { connection in
            var rows: [(Int64, Double, Int64, String)] = []
            let query: PostgresQuery = """
                SELECT sum(calls)::int8, sum(total_exec_time)::float8, sum(rows)::int8, left(regexp_replace(query, '\\s+', ' ', 'g'), 150)
                FROM pg_stat_statements GROUP BY query ORDER BY 2 DESC LIMIT \(top)
                """
            for try await row in try await connection.query(query, logger: benchLogger).decode((Int64, Double, Int64, String).self) {
                rows.append(row)
            }
            return rows
        }
        let total = rows.reduce(0) { $0 + $1.1 }
        print("PostgreSQL statements in \(title), by total time (pg_stat_statements; top \(top): \(Format.fixed(total / 1000, 2)) s):")
        print(Format.left("calls", 8) + Format.right("total ms", 10) + Format.right("ms/call", 9) + Format.right("rows", 9) + "   statement")
        for (calls, ms, count, query) in rows {
            print(Format.left("\(calls)", 8) + Format.right(Format.fixed(ms, 0), 10) + Format.right(Format.fixed(ms / Double(max(calls, 1)), 3), 9)
                + Format.right("\(count)", 9) + "   " + query)
        }
    }

    static func onAdminDatabase<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let port = try TestPostgres.shared().port
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: "127.0.0.1", port: port, username: "postgres", password: nil, database: "postgres", tls: .disable),
            id: 1, logger: benchLogger)
        do {
            let value = try await body(connection)
            try await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
