import FieldStore
import PostgresNIO

extension PostgresNodeStore {
    /// How long the oldest transaction holding an xid anywhere in the cluster has been open,
    /// in seconds (0 when none is): how far the visibility horizon lags. Every pull waits
    /// behind it (``pull(for:requester:cursor:limit:)``), so it is exported as a metric.
    public func oldestTransactionSeconds() async throws(StoreError) -> Double {
        try await guarded("measuring the oldest transaction") {
            try await client.query(
                """
                SELECT coalesce(extract(epoch FROM max(now() - xact_start)), 0)::float8 FROM pg_stat_activity
                WHERE backend_xid IS NOT NULL
                """, logger: logger
            ).decode(Double.self).all().first ?? 0
        }
    }
}

extension AsyncSequence {
    /// Every element, in order.
    func all() async throws -> [Element] {
        var out: [Element] = []
        for try await element in self { out.append(element) }
        return out
    }
}
