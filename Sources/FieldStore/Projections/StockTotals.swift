import FieldModel
import GRDB

/// Each (location, part)'s reconciliation line, kept: `stock_totals` (the sums, the
/// latest count and what was expected at it), `stock_consumers` (which tickets consumed
/// it) and `stock_late` (movements stamped before the count that arrived after it). A
/// change to a key's postings or transfers in transit re-derives that key's line alone,
/// from its few rows, by the model (``StockLedger/line(_:postings:inTransit:since:)``), so a
/// full reconcile reads one row per key instead of summing a year of postings (issue M7:
/// ≤ 1 s over 1M movements and part lines).
enum StockTotals {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                DROP INDEX stock_entries_by_source;
                -- By source, then arrival: a location's last projected posting is one lookup.
                CREATE INDEX stock_entries_by_source ON stock_entries (source, arrival);
                CREATE TABLE stock_totals (
                    location TEXT NOT NULL,
                    part TEXT NOT NULL,
                    received INTEGER NOT NULL,
                    transferred_in INTEGER NOT NULL,
                    transferred_out INTEGER NOT NULL,
                    returned INTEGER NOT NULL,
                    consumed INTEGER NOT NULL,
                    written_off INTEGER NOT NULL,
                    in_transit INTEGER NOT NULL,
                    expected INTEGER NOT NULL,
                    count_replica TEXT,
                    count_counter INTEGER,
                    count_quantity INTEGER,
                    count_at INTEGER,
                    expected_at_count INTEGER,
                    PRIMARY KEY (location, part)
                ) WITHOUT ROWID;
                CREATE TABLE stock_consumers (
                    location TEXT NOT NULL,
                    part TEXT NOT NULL,
                    ticket TEXT NOT NULL,
                    quantity INTEGER NOT NULL,
                    PRIMARY KEY (location, part, ticket)
                ) WITHOUT ROWID;
                CREATE TABLE stock_late (
                    location TEXT NOT NULL,
                    part TEXT NOT NULL,
                    replica TEXT NOT NULL,
                    counter INTEGER NOT NULL,
                    PRIMARY KEY (location, part, replica, counter)
                ) WITHOUT ROWID;
                """)
        // A store from before v13 (postings not derived yet), then every key's line.
        if try Int.fetchOne(db, sql: "SELECT count(*) FROM stock_entries") == 0 { try StockRows.backfill(db) }
        let keys = try Row.fetchAll(
            db, sql: "SELECT DISTINCT location, part FROM stock_entries UNION SELECT DISTINCT location, part FROM stock_in_transit")
        for row in keys {
            if let location = StockLocation(row[0] as String) { try rebuild(StockLedger.Key(location: location, part: row[1]), db) }
        }
    }

    /// Re-derives `key`'s kept line from its postings and transfers in transit; a key with
    /// neither keeps no line.
    static func rebuild(_ key: StockLedger.Key, _ db: Database) throws {
        let k = [key.location.description, key.part]
        for table in ["stock_totals", "stock_consumers", "stock_late"] {
            try db.cachedStatement(sql: "DELETE FROM \(table) WHERE location = ? AND part = ?").execute(arguments: StatementArguments(k))
        }
        // Two range reads of the key and the model's own line (no SQL aggregate per key:
        // a push touches as many keys as it has movements).
        let postings = try DirectExecution.rows(
            db.cachedStatement(sql: "SELECT replica, counter, kind, quantity, at, arrival, ticket FROM stock_entries WHERE location = ? AND part = ?"),
            .text(k[0]), .text(k[1])
        ).compactMap { r -> (posting: StockLedger.Posting, arrival: Int64)? in
            guard let replica = ReplicaID(r[0].string), let kind = StockLedger.Posting.Kind(rawValue: Int(r[2].integer)) else { return nil }
            let ticket: TicketID? = if case .text(let t) = r[6] { EntityID(t) } else { nil }
            let p = StockLedger.Posting(
                key: key, id: OpID(replica: replica, counter: UInt64(bitPattern: r[1].integer)), kind: kind, quantity: Quantity(thousandths: r[3].integer),
                at: UInt64(clamping: r[4].integer), ticket: ticket)
            return (p, r[5].integer)
        }
        let inTransit = try DirectExecution.rows(
            db.cachedStatement(sql: "SELECT quantity FROM stock_in_transit WHERE location = ? AND part = ?"), .text(k[0]), .text(k[1])
        ).map { Quantity(thousandths: $0[0].integer) }
        guard !postings.isEmpty || !inTransit.isEmpty else { return }
        let line = StockLedger.line(key, postings: postings, inTransit: inTransit)
        try db.cachedStatement(
            sql: """
                INSERT INTO stock_totals (location, part, received, transferred_in, transferred_out, returned, consumed, written_off, in_transit,
                    expected, count_replica, count_counter, count_quantity, count_at, expected_at_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: StatementArguments(
                k + [
                    line.received.thousandths, line.transferredIn.thousandths, line.transferredOut.thousandths, line.returned.thousandths,
                    line.consumed.thousandths, line.writtenOff.thousandths, line.inTransit.thousandths, line.expected.thousandths,
                ] as [any DatabaseValueConvertible]
                    + [
                        line.lastCount?.id.replica.rawValue, line.lastCount.map { Int64(bitPattern: $0.id.counter) }, line.lastCount?.quantity.thousandths,
                        line.lastCount.map { Int64(clamping: $0.at) }, line.expectedAtCount?.thousandths,
                    ] as [(any DatabaseValueConvertible)?]))
        for (ticket, q) in line.consumedBy {
            try db.cachedStatement(sql: "INSERT INTO stock_consumers (location, part, ticket, quantity) VALUES (?, ?, ?, ?)")
                .execute(arguments: [k[0], k[1], ticket.rawValue, q.thousandths])
        }
        for id in line.late {
            try db.cachedStatement(sql: "INSERT INTO stock_late (location, part, replica, counter) VALUES (?, ?, ?, ?)")
                .execute(arguments: [k[0], k[1], id.replica.rawValue, Int64(bitPattern: id.counter)])
        }
    }

    /// The kept lines of every key, or of one location or part.
    static func lines(location: StockLocation?, part: String?, _ db: Database) throws -> [StockLedger.Line] {
        let (filter, args) = StockRows.keyFilter(location: location, part: part)
        let whereKey = filter.isEmpty ? "1" : filter.joined(separator: " AND ")
        let arguments = StatementArguments(args)
        var lines: [StockLedger.Key: StockLedger.Line] = [:]
        var order: [StockLedger.Key] = []
        let totals = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT location, part, received, transferred_in, transferred_out, returned, consumed, written_off, in_transit, expected,
                        count_replica, count_counter, count_quantity, count_at, expected_at_count
                    FROM stock_totals WHERE \(whereKey) ORDER BY location, part
                    """), arguments: arguments)
        while let row = try totals.next() {
            guard let l = StockLocation(row[0] as String) else { continue }
            let key = StockLedger.Key(location: l, part: row[1])
            var line = StockLedger.Line(key: key)
            func q(_ i: Int) -> Quantity { Quantity(thousandths: row[i]) }
            line.received = q(2)
            line.transferredIn = q(3)
            line.transferredOut = q(4)
            line.returned = q(5)
            line.consumed = q(6)
            line.writtenOff = q(7)
            line.inTransit = q(8)
            line.expected = q(9)
            if let replica = ReplicaID(row[10] as String? ?? ""), let counter = row[11] as Int64?, let at = row[13] as Int64?, let atCount = row[14] as Int64? {
                let count = StockLedger.Count(id: OpID(replica: replica, counter: UInt64(bitPattern: counter)), quantity: q(12), at: UInt64(clamping: at))
                line.reconcile(count, expectedAtCount: Quantity(thousandths: atCount))
            }
            lines[key] = line
            order.append(key)
        }
        let consumers = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT location, part, ticket, quantity FROM stock_consumers WHERE \(whereKey)"), arguments: arguments)
        var location: (text: String, value: StockLocation?) = ("", nil)
        while let row = try consumers.next() {
            // Rows come by key: a location is parsed once per run of its rows.
            let text: String = row[0]
            if text != location.text { location = (text, StockLocation(text)) }
            guard let l = location.value, let ticket = EntityID(row[2] as String) else { continue }
            lines[StockLedger.Key(location: l, part: row[1])]?.consumedBy[ticket] = Quantity(thousandths: row[3])
        }
        let late = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT location, part, replica, counter FROM stock_late WHERE \(whereKey)"), arguments: arguments)
        while let row = try late.next() {
            guard let l = StockLocation(row[0] as String), let replica = ReplicaID(row[2] as String) else { continue }
            lines[StockLedger.Key(location: l, part: row[1])]?.late.append(OpID(replica: replica, counter: UInt64(bitPattern: row[3] as Int64)))
        }
        return order.map { lines[$0]! }
    }
}
