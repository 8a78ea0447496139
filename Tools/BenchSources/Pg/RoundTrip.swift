import Foundation
import PostgresNIO

/// One PostgreSQL round trip (`SELECT 1` on one open connection), the unit PostgresNodeStore's
/// ingest pays per statement: it writes each op with an INSERT of its own and reads each
/// ticket back to materialise it, so a push costs about one round trip per op. Ingest time
/// per op ÷ this says how many it pays.
enum RoundTrip {
    static func median(url: String, count: Int = 500) async throws -> Double {
        guard let parts = URLComponents(string: url), let host = parts.host, let port = parts.port else {
            throw BenchError("not a PostgreSQL URL: \(url)")
        }
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: host, port: port, username: parts.user ?? "postgres", password: nil,
                database: String(parts.path.dropFirst()), tls: .disable),
            id: 1, logger: benchLogger)
        var samples: [Double] = []
        do {
            for _ in 0..<count {
                let started = ContinuousClock.now
                _ = try await connection.query("SELECT 1", logger: benchLogger).collect()
                samples.append(SyncBench.elapsed(since: started))
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return PullLatency.percentile(50, of: samples)
    }
}
