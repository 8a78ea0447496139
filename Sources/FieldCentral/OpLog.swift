import FieldModel
import FieldWire
import Logging
import NIOCore
import PostgresNIO

/// The central's op log in PostgreSQL, shared by every node on the database.
///
/// Appending is idempotent: an op whose id is held with the same content is acknowledged
/// and not stored twice; one held with other content is refused (``CentralError/Code/conflictingOp``),
/// and nothing of that append is stored.
///
/// Reading follows the visibility horizon event stores converged on (Marten's high-water
/// mark, Emmett's `readMessagesBatch`): a page holds only ops whose transaction id is below
/// `pg_snapshot_xmin(pg_current_snapshot())`, the oldest transaction still running anywhere
/// in the cluster, in (xid, seq) order from the reader's ``OpLogCursor``. Everything below
/// the horizon has committed or rolled back, so no op can later appear behind a cursor. The
/// price: a long transaction holds every reader back, which is why a node's sessions have
/// short timeouts (``CentralDatabase/sessionSettings``) and ``oldestTransactionSeconds()``
/// is exported as a metric.
public struct OpLog: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Stores `ops` in one transaction. Returns, per op, whether it was new.
    /// `beforeCommit` runs inside the transaction after the inserts (tests hold it open).
    @discardableResult
    public func append(_ ops: [Op], beforeCommit: @Sendable () async throws -> Void = {}) async throws -> [Bool] {
        let logger = logger
        return try await guarded {
            try await client.withTransaction(logger: logger) { connection in
                var fresh: [Bool] = []
                for op in ops {
                    let record = OpRecord(op)
                    let (replica, counter) = (record.replica, record.counter)
                    let inserted = try await connection.query(
                        """
                        INSERT INTO ops (\(unescaped: OpRecord.columns))
                        VALUES (\(replica), \(counter), \(record.wall), \(record.logical), \(record.subject), \(record.kind),
                                \(record.payload), \(record.checksum))
                        ON CONFLICT (replica, counter) DO NOTHING RETURNING seq
                        """, logger: logger
                    ).all().count
                    if inserted == 1 {
                        fresh.append(true)
                        continue
                    }
                    let find: PostgresQuery = "SELECT checksum, payload FROM ops WHERE replica = \(replica) AND counter = \(counter)"
                    let held = try await connection.query(find, logger: logger).decode((Int64, ByteBuffer).self).all().first
                    guard let held, held.0 == record.checksum, held.1 == record.payload else {
                        throw CentralError(
                            .conflictingOp, "op \(op.id) differs from the op already stored under that id: replica \(op.id.replica) reused a counter")
                    }
                    fresh.append(false)
                }
                try await beforeCommit()
                return fresh
            }
        }
    }

    /// A page of ops after `cursor`, at most `limit`, below the visibility horizon.
    public func page(after cursor: OpLogCursor, limit: Int) async throws -> OpLogPage {
        let logger = logger
        let limit = max(1, min(limit, 10_000))
        return try await guarded {
            let xid = String(cursor.xid)
            let seq = cursor.seq
            let rows = try await client.query(
                """
                SELECT xid::text, seq, \(unescaped: OpRecord.columns) FROM ops
                WHERE xid < pg_snapshot_xmin(pg_current_snapshot()) AND (xid, seq) > (CAST(\(xid) AS xid8), \(seq))
                ORDER BY xid, seq LIMIT \(limit + 1)
                """, logger: logger
            ).decode((String, Int64, String, Int64, Int64, Int64, String, Int64, ByteBuffer, Int64).self).all()
            var ops: [Op] = []
            var next = cursor
            for row in rows.prefix(limit) {
                guard let rowXid = UInt64(row.0) else { throw CentralError(.unavailable, "op #\(row.1) in the central op log has an invalid xid") }
                do {
                    ops.append(try OpRecord.decode((row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9)))
                } catch {
                    throw CentralError(.unavailable, "\(error)")
                }
                next = OpLogCursor(xid: rowXid, seq: row.1)
            }
            return OpLogPage(ops: ops, next: next, more: rows.count > limit)
        }
    }

    /// How long the oldest transaction holding an id has been open, in seconds (0 when
    /// none is): how far the horizon lags. Exported as a metric.
    public func oldestTransactionSeconds() async throws -> Double {
        let logger = logger
        return try await guarded {
            try await client.query(
                """
                SELECT coalesce(extract(epoch FROM max(now() - xact_start)), 0)::float8 FROM pg_stat_activity
                WHERE backend_xid IS NOT NULL
                """, logger: logger
            ).decode(Double.self).all().first ?? 0
        }
    }

    private func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CentralError {
            throw error
        } catch let error as PostgresTransactionError where error.closureError is CentralError {
            throw error.closureError as! CentralError
        } catch let error as WireError {
            throw CentralError(.unavailable, "an op in the central op log could not be decoded: \(error)")
        } catch {
            throw CentralError(.unavailable, "the central database failed: \(String(reflecting: error))")
        }
    }
}

/// Ops read from the log, and where the next page starts.
public struct OpLogPage: Sendable {
    public let ops: [Op]
    /// Give it back for the next page (its ``OpLogCursor/encoded`` bytes, to a device).
    public let next: OpLogCursor
    /// More ops are below the horizon already.
    public let more: Bool
}

extension AsyncSequence {
    /// Every element, in order.
    func all() async throws -> [Element] {
        var out: [Element] = []
        for try await element in self { out.append(element) }
        return out
    }
}
