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
        // Two range reads of the key and the model's own line (no SQL aggregate per key:
        // a push touches as many keys as it has movements).
        let postings = try DirectExecution.rows(
            db.cachedStatement(sql: "SELECT \(StockRows.postingColumns), arrival FROM stock_entries WHERE location = ? AND part = ?"),
            .text(k[0]), .text(k[1])
        ).compactMap { r in StockRows.posting(r[0..<6], key: key).map { (posting: $0, arrival: r[6].integer) } }
        let inTransit = try DirectExecution.rows(
            db.cachedStatement(sql: "SELECT quantity FROM stock_in_transit WHERE location = ? AND part = ?"), .text(k[0]), .text(k[1])
        ).map { Quantity(thousandths: $0[0].integer) }
        let line = postings.isEmpty && inTransit.isEmpty ? nil : StockLedger.line(key, postings: postings, inTransit: inTransit)
        try write(line, of: key, over: try kept(key, db), db)
    }

    /// Takes one more posting of `key` into its kept line, the posting just stored (at
    /// log position `arrival`), without reading the key's others (issue M7: one more
    /// movement ≤ 1 ms): the model's ``StockLedger/Line/add(_:arrival:countArrival:)``.
    /// A count later than the line's own re-derives the line whole.
    static func add(_ posting: StockLedger.Posting, arrival: Int64, _ db: Database) throws {
        let key = posting.key
        // The line's sums and count, and of its consumers only the posting's ticket: all
        // that one more posting changes (the model's add touches nothing else), so the
        // other consumers' rows are neither read nor written. No kept line: the key has no
        // postings and nothing in transit yet.
        let old = try totals(key, db).map { totals -> StockLedger.Line in
            var line = totals
            if let ticket = posting.ticket, let q = try consumed(key, by: ticket, db) { line.consumedBy[ticket] = q }
            return line
        }
        var line = old ?? StockLedger.Line(key: key)
        var countArrival: Int64?
        // Where the count arrived decides lateness, for a posting stamped before it only.
        if let count = line.lastCount, posting.at <= count.at {
            countArrival = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT arrival FROM stock_entries WHERE location = ? AND part = ? AND replica = ? AND counter = ?"),
                arguments: [key.location.description, key.part, count.id.replica.rawValue, Int64(bitPattern: count.id.counter)])
        }
        guard line.add(posting, arrival: arrival, countArrival: countArrival) else { return try rebuild(key, db) }
        try write(line, of: key, over: old, db)
    }

    /// The line `key` keeps now, if any.
    static func kept(_ key: StockLedger.Key, _ db: Database) throws -> StockLedger.Line? {
        try lines(location: key.location, part: key.part, db).first
    }

    /// The kept line of `key` without its consumers and late movements, if any.
    static func totals(_ key: StockLedger.Key, _ db: Database) throws -> StockLedger.Line? {
        try DirectExecution.rows(
            db.cachedStatement(sql: "SELECT \(totalsColumns) FROM stock_totals WHERE location = ? AND part = ?"), .text(key.location.description), .text(key.part)
        ).first.map { line(key, totals: $0) }
    }

    /// What `ticket` consumed of `key`, as kept.
    static func consumed(_ key: StockLedger.Key, by ticket: TicketID, _ db: Database) throws -> Quantity? {
        try DirectExecution.rows(
            db.cachedStatement(sql: "SELECT quantity FROM stock_consumers WHERE location = ? AND part = ? AND ticket = ?"),
            .text(key.location.description), .text(key.part), .text(ticket.rawValue)
        ).first.map { Quantity(thousandths: $0[0].integer) }
    }

    static let totalsColumns = """
        location, part, received, transferred_in, transferred_out, returned, consumed, written_off, in_transit, expected,
            count_replica, count_counter, count_quantity, count_at, expected_at_count
        """

    /// A `stock_totals` row (``totalsColumns``) as a line, without consumers or late movements.
    static func line(_ key: StockLedger.Key, totals row: [DirectValue]) -> StockLedger.Line {
        var line = StockLedger.Line(key: key)
        func q(_ i: Int) -> Quantity { Quantity(thousandths: row[i].integer) }
        line.received = q(2)
        line.transferredIn = q(3)
        line.transferredOut = q(4)
        line.returned = q(5)
        line.consumed = q(6)
        line.writtenOff = q(7)
        line.inTransit = q(8)
        line.expected = q(9)
        if case .text(let r) = row[10], let replica = ReplicaID(r), case .int(let counter) = row[11], case .int(let at) = row[13],
            case .int(let atCount) = row[14]
        {
            let count = StockLedger.Count(id: OpID(replica: replica, counter: UInt64(bitPattern: counter)), quantity: q(12), at: UInt64(clamping: at))
            line.reconcile(count, expectedAtCount: Quantity(thousandths: atCount))
        }
        return line
    }

    /// Writes what differs between the kept line `old` and `new` (nil: the key keeps no
    /// line): a push changes one ticket's consumption of a key that twenty consumed, and
    /// rewrites that ticket's row alone.
    static func write(_ new: StockLedger.Line?, of key: StockLedger.Key, over old: StockLedger.Line?, _ db: Database) throws {
        let k = [key.location.description, key.part]
        guard let line = new else {
            guard old != nil else { return }
            for table in ["stock_totals", "stock_consumers", "stock_late"] {
                try db.cachedStatement(sql: "DELETE FROM \(table) WHERE location = ? AND part = ?").execute(arguments: StatementArguments(k))
            }
            return
        }
        if old.map(\.totals) != line.totals {
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO stock_totals (location, part, received, transferred_in, transferred_out, returned, consumed, written_off, in_transit,
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
        }
        let consumers = old?.consumedBy ?? [:]
        for ticket in consumers.keys where line.consumedBy[ticket] == nil {
            try db.cachedStatement(sql: "DELETE FROM stock_consumers WHERE location = ? AND part = ? AND ticket = ?")
                .execute(arguments: [k[0], k[1], ticket.rawValue])
        }
        for (ticket, q) in line.consumedBy where consumers[ticket] != q {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO stock_consumers (location, part, ticket, quantity) VALUES (?, ?, ?, ?)")
                .execute(arguments: [k[0], k[1], ticket.rawValue, q.thousandths])
        }
        let late = Set(old?.late ?? [])
        for id in late.subtracting(line.late) {
            try db.cachedStatement(sql: "DELETE FROM stock_late WHERE location = ? AND part = ? AND replica = ? AND counter = ?")
                .execute(arguments: [k[0], k[1], id.replica.rawValue, Int64(bitPattern: id.counter)])
        }
        for id in Set(line.late).subtracting(late) {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO stock_late (location, part, replica, counter) VALUES (?, ?, ?, ?)")
                .execute(arguments: [k[0], k[1], id.replica.rawValue, Int64(bitPattern: id.counter)])
        }
    }

    /// The kept lines of every key, or of one location or part.
    static func lines(location: StockLocation?, part: String?, _ db: Database) throws -> [StockLedger.Line] {
        let (filter, _) = StockRows.keyFilter(location: location, part: part)
        let whereKey = filter.isEmpty ? "1" : filter.joined(separator: " AND ")
        // The filter's parameters, in the order keyFilter names them (the hot path reads
        // one key per movement taken in: bound directly, not through GRDB's arguments).
        let values = [location.map { DirectValue.text($0.description) }, part.map { DirectValue.text($0) }].compactMap { $0 }
        var lines: [StockLedger.Key: StockLedger.Line] = [:]
        var order: [StockLedger.Key] = []
        // Rows come by key: a location is parsed once per run of its rows.
        var location: (text: String, value: StockLocation?) = ("", nil)
        func key(_ row: [DirectValue]) -> StockLedger.Key? {
            let text = row[0].string
            if text != location.text { location = (text, StockLocation(text)) }
            return location.value.map { StockLedger.Key(location: $0, part: row[1].string) }
        }
        try DirectExecution.each(
            db.cachedStatement(sql: "SELECT \(totalsColumns) FROM stock_totals WHERE \(whereKey) ORDER BY location, part"), values
        ) { row in
            guard let key = key(row) else { return }
            lines[key] = line(key, totals: row)
            order.append(key)
        }
        try DirectExecution.each(db.cachedStatement(sql: "SELECT location, part, ticket, quantity FROM stock_consumers WHERE \(whereKey)"), values) { row in
            guard let key = key(row), let ticket = EntityID(row[2].string) else { return }
            lines[key]?.consumedBy[ticket] = Quantity(thousandths: row[3].integer)
        }
        try DirectExecution.each(db.cachedStatement(sql: "SELECT location, part, replica, counter FROM stock_late WHERE \(whereKey)"), values) { row in
            guard let key = key(row), let replica = ReplicaID(row[2].string) else { return }
            lines[key]?.late.append(OpID(replica: replica, counter: UInt64(bitPattern: row[3].integer)))
        }
        return order.map { lines[$0]! }
    }
}

extension StockLedger.Line {
    /// The line without its consumers and late movements: what `stock_totals` keeps.
    fileprivate var totals: StockLedger.Line {
        var t = self
        t.consumedBy = [:]
        t.late = []
        return t
    }
}
