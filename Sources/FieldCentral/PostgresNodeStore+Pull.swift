import FieldModel
import FieldStore
import PostgresNIO

extension PostgresNodeStore {
    /// A page of ops for a puller, below the visibility horizon event stores converged on
    /// (Marten's high-water mark, Emmett's `readMessagesBatch`; SPEC §3.6.1): only ops whose
    /// transaction is older than `pg_snapshot_xmin(pg_current_snapshot())`, the oldest
    /// transaction still running anywhere in the cluster, in (xid, seq) order. Every op in
    /// the page was committed (or rolled back) before it was read, so none can appear later
    /// behind the cursor, whichever node stored it. The price: a long transaction holds every
    /// puller back, which is why a node's sessions have short timeouts
    /// (``CentralDatabase/sessionSettings``) and ``oldestTransactionSeconds()`` is a metric.
    ///
    /// An engineer gets the ops of their tickets and of the entities in their scope (or
    /// everyone's), the whole history of what entered it within the page, and the names of
    /// what left it (EntityMaterialiser+Scope keeps both).
    ///
    /// The cursor is an ``OpLogCursor`` (xid, seq); one naming no op of this log (a restored
    /// database, another central) starts the puller over.
    public func pull(for principal: Principal, requester: ReplicaID, cursor bytes: [UInt8], limit: Int) async throws(StoreError) -> PulledPage {
        let given: OpLogCursor
        var foreign = false
        if bytes.first.map({ $0 < OpLogCursor.version }) == true, (try? NodeCursor.decode(bytes)) != nil {
            // A SQLite node's cursor: this central moved house (`fieldsync-node migrate`) and
            // the device starts over; it ignores what it holds, and nothing is skipped.
            given = .start
            foreign = true
        } else {
            do { given = try OpLogCursor(encoded: bytes) } catch { throw StoreError(.badCursor, error.message) }
        }
        let limit = PulledPage.size(for: limit)
        let logger = logger
        return try await guarded("reading a pull") {
            let horizon = try await client.query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text", logger: logger)
                .decode(String.self).all().first ?? "0"
            var cursor = given
            var restarted = foreign
            if cursor != .start {
                let xid = String(cursor.xid)
                let named = try await client.query(
                    "SELECT 1 FROM ops WHERE seq = \(cursor.seq) AND xid = CAST(\(xid) AS xid8)", logger: logger
                ).all()
                if named.isEmpty {
                    cursor = .start
                    restarted = true
                }
            }
            let after = String(cursor.xid)
            let scoped: PostgresQuery =
                principal.seesEverything
                ? """
                SELECT xid::text, seq, \(unescaped: OpRecord.columns) FROM ops
                WHERE xid < CAST(\(horizon) AS xid8) AND (xid, seq) > (CAST(\(after) AS xid8), \(cursor.seq)) AND replica <> \(requester.rawValue)
                ORDER BY xid, seq LIMIT \(limit + 1)
                """
                : """
                SELECT xid::text, seq, \(unescaped: OpRecord.columns) FROM ops
                WHERE xid < CAST(\(horizon) AS xid8) AND (xid, seq) > (CAST(\(after) AS xid8), \(cursor.seq)) AND replica <> \(requester.rawValue)
                  AND (subject IN (SELECT ticket FROM ticket_scope WHERE engineer = \(principal.name))
                       OR subject IN (SELECT entity FROM entity_scope WHERE principal IN (\(principal.name), '*') AND left_xid IS NULL))
                ORDER BY xid, seq LIMIT \(limit + 1)
                """
            var rows = try await client.query(scoped, logger: logger)
                .decode((String, Int64, String, Int64, Int64, Int64, String, Int64, ByteBuffer, Int64).self).all()
            let more = rows.count > limit
            if more { rows.removeLast() }
            var end = cursor
            if more, let last = rows.last, let xid = UInt64(last.0) {
                end = OpLogCursor(xid: xid, seq: last.1)
            } else if let newest = try await client.query(
                "SELECT xid::text, seq FROM ops WHERE xid < CAST(\(horizon) AS xid8) ORDER BY xid DESC, seq DESC LIMIT 1", logger: logger
            ).decode((String, Int64).self).all().first, let xid = UInt64(newest.0) {
                end = max(cursor, OpLogCursor(xid: xid, seq: newest.1))
            }
            var ops: [Op] = []
            var left: [EntityID] = []
            // Tickets, then other entities, that entered the puller's scope within the page:
            // their history before it, whole.
            if !principal.seesEverything {
                let to = String(end.xid)
                var entered = try await client.query(
                    """
                    SELECT ticket FROM ticket_scope WHERE engineer = \(principal.name)
                      AND (since_xid, since_seq) > (CAST(\(after) AS xid8), \(cursor.seq)) AND (since_xid, since_seq) <= (CAST(\(to) AS xid8), \(end.seq))
                    ORDER BY since_xid, since_seq
                    """, logger: logger
                ).decode(String.self).all()
                // Under the puller's name and everyone's: each once, where it first entered.
                var seen: Set<String> = []
                entered += try await client.query(
                    """
                    SELECT entity FROM entity_scope WHERE principal IN (\(principal.name), '*') AND left_xid IS NULL
                      AND (since_xid, since_seq) > (CAST(\(after) AS xid8), \(cursor.seq)) AND (since_xid, since_seq) <= (CAST(\(to) AS xid8), \(end.seq))
                    ORDER BY since_xid, since_seq
                    """, logger: logger
                ).decode(String.self).all().filter { seen.insert($0).inserted }
                // What left within the page and is not in scope now, under the puller's name
                // or everyone's: the device purges it. A puller from the start holds nothing
                // to purge, unless it held another history (restarted).
                if cursor != .start || restarted {
                    left = try await client.query(
                        """
                        SELECT DISTINCT l.entity FROM entity_scope l
                        WHERE l.principal IN (\(principal.name), '*') AND l.left_xid IS NOT NULL
                          AND (l.left_xid, l.left_seq) > (CAST(\(after) AS xid8), \(cursor.seq)) AND (l.left_xid, l.left_seq) <= (CAST(\(to) AS xid8), \(end.seq))
                          AND NOT EXISTS (SELECT 1 FROM entity_scope n
                                          WHERE n.entity = l.entity AND n.principal IN (\(principal.name), '*') AND n.left_xid IS NULL)
                        ORDER BY l.entity
                        """, logger: logger
                    ).decode(String.self).all().compactMap(EntityID.init)
                }
                for ticket in entered {
                    for try await row in try await client.query(
                        """
                        SELECT \(unescaped: OpRecord.columns) FROM ops
                        WHERE subject = \(ticket) AND (xid, seq) <= (CAST(\(after) AS xid8), \(cursor.seq)) AND replica <> \(requester.rawValue)
                        ORDER BY xid, seq
                        """, logger: logger
                    ).decode(OpRecord.Row.self) {
                        ops.append(try OpRecord.decode(row))
                    }
                }
            }
            for row in rows {
                ops.append(try OpRecord.decode((row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9)))
            }
            return PulledPage(ops: ops, cursor: end.encoded, more: more, restarted: restarted, left: left)
        }
    }
}
