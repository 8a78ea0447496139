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
    /// what left it (EntityMaterialiser+Scope keeps both). Membership is decided by op-log
    /// position, never by the scope tables as they are now: an op is the page's if its
    /// subject was in scope at the op (entered at or before it, and stored in a transaction
    /// before the one that took it out: what that transaction did to it, a retirement say,
    /// reaches no one who loses it), and the ops before an entry come as its history in
    /// the page that holds the entry. A scope change
    /// committed but still above the horizon is thus neither half sent now nor sent again
    /// later: every op reaches the puller once.
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
            // An engineer's own name; a depot's and its current members' (M8).
            let names = principal.seesEverything ? [] : try await CentralScope.names(principal, client, logger: logger)
            let namesAndEveryone = names + ["*"]
            // A depot's pulls leave out what it relayed here itself (M8): it holds those.
            let (isDepot, depot) = (principal.role == .depot, principal.name)
            let scoped: PostgresQuery =
                principal.seesEverything
                ? """
                SELECT o.xid::text AS xid_text, o.seq, \(unescaped: OpRecord.columns) FROM ops o
                WHERE o.xid < CAST(\(horizon) AS xid8) AND (o.xid, o.seq) > (CAST(\(after) AS xid8), \(cursor.seq)) AND o.replica <> \(requester.rawValue)
                ORDER BY o.xid, o.seq LIMIT \(limit + 1)
                """
                : """
                WITH tickets AS MATERIALIZED (
                    SELECT DISTINCT ON (ticket) ticket AS subject, since_xid, since_seq FROM ticket_scope WHERE engineer = ANY(\(names))
                    ORDER BY ticket, since_xid, since_seq),
                entities AS MATERIALIZED (
                    SELECT entity AS subject, since_xid, since_seq, left_xid FROM entity_scope WHERE principal = ANY(\(namesAndEveryone)))
                SELECT xid_text, at_seq, replica, counter, wall, logical, subject, kind, payload, checksum FROM (
                    SELECT o.xid::text AS xid_text, o.xid AS at_xid, o.seq AS at_seq, o.replica, o.counter, o.wall, o.logical, o.subject, o.kind, o.payload, o.checksum
                    FROM tickets c CROSS JOIN LATERAL (
                        SELECT * FROM ops o
                        WHERE o.subject = c.subject AND (o.xid, o.seq) > (CAST(\(after) AS xid8), \(cursor.seq)) AND o.xid < CAST(\(horizon) AS xid8)
                          AND (o.xid, o.seq) >= (c.since_xid, c.since_seq) AND o.replica <> \(requester.rawValue)
                          AND NOT (\(isDepot) AND EXISTS (SELECT 1 FROM relayed_through t WHERE t.depot = \(depot) AND t.replica = o.replica AND t.counter >= o.counter))
                        ORDER BY o.xid, o.seq LIMIT \(limit + 1)) o
                    UNION ALL
                    SELECT o.xid::text, o.xid, o.seq, o.replica, o.counter, o.wall, o.logical, o.subject, o.kind, o.payload, o.checksum FROM ops o
                    WHERE strpos(o.subject, ':') > 0 AND o.xid < CAST(\(horizon) AS xid8) AND (o.xid, o.seq) > (CAST(\(after) AS xid8), \(cursor.seq))
                      AND o.replica <> \(requester.rawValue) AND o.subject IN (SELECT subject FROM entities)
                      AND NOT (\(isDepot) AND EXISTS (SELECT 1 FROM relayed_through t WHERE t.depot = \(depot) AND t.replica = o.replica AND t.counter >= o.counter))
                      AND EXISTS (SELECT 1 FROM entities c WHERE c.subject = o.subject AND (c.since_xid, c.since_seq) <= (o.xid, o.seq)
                                  AND (c.left_xid IS NULL OR o.xid < c.left_xid))
                ) page ORDER BY at_xid, at_seq LIMIT \(limit + 1)
                """
            // Driven by the puller's scope, not by the log past the cursor: each ticket in
            // it is an index range from the cursor (ops_by_subject: subject, xid, seq), and
            // entities beyond tickets are read among their own ops (ops_entities_by_xid),
            // checked against the puller's entity scope read once. At a shift end the log
            // past a cursor is every engineer's day: scanning it for every pull made a
            // pull's cost grow with the number of engineers (Tools/bench pg, section 2).
            // Tickets have no `left`: an engineer once assigned keeps the ticket.
            // xids are read as text (64 bits; PostgresNIO decodes no xid8) under another
            // name, and every ORDER BY names an xid8 column: `ORDER BY xid` after
            // `SELECT xid::text` orders by the text, "1000" before "999", and a cursor taken
            // from such a page steps over ops for ever (CursorOrderTests).
            var rows = try await client.query(scoped, logger: logger)
                .decode((String, Int64, String, Int64, Int64, Int64, String, Int64, ByteBuffer, Int64).self).all()
            let more = rows.count > limit
            if more { rows.removeLast() }
            var end = cursor
            if more, let last = rows.last, let xid = UInt64(last.0) {
                end = OpLogCursor(xid: xid, seq: last.1)
            } else if let newest = try await client.query(
                "SELECT o.xid::text AS xid_text, o.seq FROM ops o WHERE o.xid < CAST(\(horizon) AS xid8) ORDER BY o.xid DESC, o.seq DESC LIMIT 1", logger: logger
            ).decode((String, Int64).self).all().first, let xid = UInt64(newest.0) {
                end = max(cursor, OpLogCursor(xid: xid, seq: newest.1))
            }
            var ops: [Op] = []
            var left: [EntityID] = []
            // Tickets, then other entities, that entered the puller's scope within the page:
            // their history before they entered, whole (what came after is the page's).
            if !principal.seesEverything {
                let to = String(end.xid)
                let tickets = try await client.query(
                    """
                    SELECT f.ticket, f.since_xid::text AS since_text, f.since_seq FROM (
                        SELECT DISTINCT ON (s.ticket) s.ticket, s.since_xid, s.since_seq FROM ticket_scope s WHERE s.engineer = ANY(\(names))
                        ORDER BY s.ticket, s.since_xid, s.since_seq) f
                    WHERE (f.since_xid, f.since_seq) > (CAST(\(after) AS xid8), \(cursor.seq)) AND (f.since_xid, f.since_seq) <= (CAST(\(to) AS xid8), \(end.seq))
                    ORDER BY f.since_xid, f.since_seq
                    """, logger: logger
                ).decode((String, String, Int64).self).all()
                // Under the puller's name and everyone's: each once, where it first entered.
                // One held already under the other name comes whole again, as SQLite sends
                // it (applying it twice changes nothing).
                let entities = try await client.query(
                    """
                    SELECT e.entity, e.since_xid::text AS since_text, e.since_seq FROM entity_scope e
                    WHERE e.principal = ANY(\(namesAndEveryone))
                      AND (e.since_xid, e.since_seq) > (CAST(\(after) AS xid8), \(cursor.seq)) AND (e.since_xid, e.since_seq) <= (CAST(\(to) AS xid8), \(end.seq))
                      AND (e.left_xid IS NULL OR e.left_xid > CAST(\(to) AS xid8))
                    ORDER BY e.since_xid, e.since_seq
                    """, logger: logger
                ).decode((String, String, Int64).self).all()
                var seen: Set<String> = []
                let entered = (tickets + entities).filter { seen.insert($0.0).inserted }
                // What left within the page and is in scope at the page's end under no other
                // name: the device purges it. A puller from the start holds nothing to purge,
                // unless it held another history (restarted).
                if cursor != .start || restarted {
                    left = try await client.query(
                        """
                        SELECT DISTINCT l.entity FROM entity_scope l
                        WHERE l.principal = ANY(\(namesAndEveryone)) AND l.left_xid IS NOT NULL
                          AND (l.left_xid, l.left_seq) > (CAST(\(after) AS xid8), \(cursor.seq)) AND (l.left_xid, l.left_seq) <= (CAST(\(to) AS xid8), \(end.seq))
                          AND NOT EXISTS (SELECT 1 FROM entity_scope n
                                          WHERE n.entity = l.entity AND n.principal = ANY(\(namesAndEveryone))
                                            AND (n.since_xid, n.since_seq) <= (CAST(\(to) AS xid8), \(end.seq))
                                            AND (n.left_xid IS NULL OR n.left_xid > CAST(\(to) AS xid8)))
                        ORDER BY l.entity
                        """, logger: logger
                    ).decode(String.self).all().compactMap(EntityID.init)
                }
                for (subject, sinceXid, sinceSeq) in entered {
                    for try await row in try await client.query(
                        """
                        SELECT \(unescaped: OpRecord.columns) FROM ops
                        WHERE subject = \(subject) AND (xid, seq) < (CAST(\(sinceXid) AS xid8), \(sinceSeq)) AND replica <> \(requester.rawValue)
                          AND NOT (\(isDepot) AND EXISTS (SELECT 1 FROM relayed_through t WHERE t.depot = \(depot) AND t.replica = ops.replica AND t.counter >= ops.counter))
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
