import FieldModel
import GRDB

extension ReplicaStore {
    /// The reconciliation of every (location, part) this replica holds postings or transfers
    /// for, or of one location or part; with `since` (Unix ms), what came before is the
    /// opening. The same lines as the model's ``StockLedger/lines(location:part:since:)``
    /// over the same ops, summed by SQL from the kept postings.
    public func stockLines(location: StockLocation? = nil, part: String? = nil, since: UInt64? = nil) throws(StoreError) -> [StockLedger.Line] {
        try read { db in
            // The lines as they stand are kept (StockTotals); a period's are summed.
            if since == nil { return try StockTotals.lines(location: location, part: part, db) }
            return try StockRows.lines(location: location, part: part, since: since, db)
        }
    }
}

extension ReplicaStore {
    /// Transfers whose receiving side confirmed another quantity than was sent.
    public func stockDisputes() throws(StoreError) -> [StockDispute] {
        try read { db in
            typealias K = StockLedger.Posting.Kind
            // A transfer's postings: out of (or returned from) its source, into its destination.
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT o.source, o.location, i.location, o.part, o.quantity, i.quantity FROM stock_entries o
                    JOIN stock_entries i ON i.source = o.source AND i.kind = \(K.transferredIn.rawValue)
                    WHERE o.kind IN (\(K.transferredOut.rawValue), \(K.returned.rawValue)) AND o.source >= 'transfer:' AND o.source < 'transfer;'
                      AND o.quantity != i.quantity
                    ORDER BY o.source
                    """
            ).compactMap { row in
                guard let id = EntityID(row[0] as String), let from = StockLocation(row[1] as String), let to = StockLocation(row[2] as String) else { return nil }
                return StockDispute(
                    transfer: id, from: from, to: to, part: row[3], sent: Quantity(thousandths: row[4]), arrived: Quantity(thousandths: row[5]))
            }
        }
    }

    /// The tickets' consumption stamped in [from, to) (Unix ms).
    public func stockConsumption(from: UInt64, to: UInt64) throws(StoreError) -> [StockLedger.Posting] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT location, part, replica, counter, quantity, at, ticket FROM stock_entries
                    WHERE kind = \(StockLedger.Posting.Kind.consumed.rawValue) AND at >= ? AND at < ? ORDER BY location, part, replica, counter
                    """,
                arguments: [Int64(clamping: from), Int64(clamping: to)]
            ).compactMap { row in
                guard let location = StockLocation(row[0] as String), let replica = ReplicaID(row[2] as String) else { return nil }
                return StockLedger.Posting(
                    key: StockLedger.Key(location: location, part: row[1]), id: OpID(replica: replica, counter: UInt64(bitPattern: row[3] as Int64)),
                    kind: .consumed, quantity: Quantity(thousandths: row[4]), at: UInt64(clamping: row[5] as Int64), ticket: (row[6] as String?).flatMap(EntityID.init))
            }
        }
    }

    /// Transfers sent to `location` and not yet confirmed, by id.
    public func transfersInTransit(to location: StockLocation) throws(StoreError) -> [StockTransfer] {
        let ids = try read { db in
            try String.fetchAll(db, sql: "SELECT transfer FROM stock_in_transit WHERE location = ? ORDER BY transfer", arguments: [location.description])
        }
        var out: [StockTransfer] = []
        for raw in ids {
            if let id = EntityID(raw), let t = try transfer(id) { out.append(t) }
        }
        return out
    }

    /// A transfer as this replica holds it; nil if it holds no op of it.
    public func transfer(_ id: EntityID) throws(StoreError) -> StockTransfer? {
        guard id.kind == StockTransfer.kind else { return nil }
        return try read { db in
            let ops = try OpRows.ops(of: id, db).ops
            guard !ops.isEmpty else { return nil }
            var t = StockTransfer(id: id)
            for op in ops { t.apply(op) }
            return t
        }
    }
}

extension StockRows {
    static func lines(location: StockLocation?, part: String?, since: UInt64?, _ db: Database) throws -> [StockLedger.Line] {
        var (filter, args) = keyFilter(location: location, part: part)
        args["since"] = Int64(clamping: since ?? 0)
        let arguments = StatementArguments(args)
        let whereKey = filter.isEmpty ? "1" : filter.joined(separator: " AND ")
        let whereE = filter.isEmpty ? "1" : filter.map { "e." + $0 }.joined(separator: " AND ")
        typealias K = StockLedger.Posting.Kind
        let counted = K.counted.rawValue
        // The latest count of each key (by time, then op id, as the model orders them).
        let lastCount = """
            last_count AS (
                SELECT location, part, replica, counter, quantity, at, arrival FROM (
                    SELECT location, part, replica, counter, quantity, at, arrival,
                        row_number() OVER (PARTITION BY location, part ORDER BY at DESC, replica DESC, counter DESC) AS r
                    FROM stock_entries WHERE kind = \(counted) AND \(whereKey))
                WHERE r = 1)
            """
        func column(_ kind: K) -> String { "total(CASE WHEN e.kind = \(kind.rawValue) AND e.at >= :since THEN e.quantity ELSE 0 END)" }
        let sums = try Row.fetchCursor(
            db.cachedStatement(
            sql: """
                WITH \(lastCount)
                SELECT e.location, e.part,
                    total(CASE WHEN e.at < :since THEN e.delta ELSE 0 END),
                    \(column(.received)), \(column(.transferredIn)), \(column(.transferredOut)), \(column(.returned)),
                    \(column(.consumed)), \(column(.writtenOff)),
                    total(e.delta),
                    c.replica, c.counter, c.quantity, c.at,
                    total(CASE WHEN c.at IS NOT NULL AND e.kind != \(counted) AND e.at <= c.at THEN e.delta ELSE 0 END)
                FROM stock_entries e LEFT JOIN last_count c ON c.location = e.location AND c.part = e.part
                WHERE \(whereE)
                GROUP BY e.location, e.part
                """),
            arguments: arguments)
        var lines: [StockLedger.Key: StockLedger.Line] = [:]
        func key(_ row: Row) -> StockLedger.Key? {
            guard let location = StockLocation(row[0] as String) else { return nil }
            return StockLedger.Key(location: location, part: row[1])
        }
        while let row = try sums.next() {
            guard let k = key(row) else { continue }
            var line = StockLedger.Line(key: k)
            func q(_ i: Int) -> Quantity { Quantity(thousandths: clamped(row[i])) }
            line.opening = q(2)
            line.received = q(3)
            line.transferredIn = q(4)
            line.transferredOut = q(5)
            line.returned = q(6)
            line.consumed = q(7)
            line.writtenOff = q(8)
            line.expected = q(9)
            if let replica = ReplicaID(row[10] as String? ?? ""), let counter = row[11] as Int64? {
                let count = StockLedger.Count(
                    id: OpID(replica: replica, counter: UInt64(bitPattern: counter)), quantity: Quantity(thousandths: row[12]),
                    at: UInt64(clamping: row[13] as Int64))
                line.reconcile(count, expectedAtCount: q(14))
            }
            lines[k] = line
        }
        let consumers = try Row.fetchCursor(
            db.cachedStatement(
            sql: """
                SELECT location, part, ticket, total(quantity) FROM stock_entries
                WHERE kind = \(K.consumed.rawValue) AND at >= :since AND \(whereKey) GROUP BY location, part, ticket
                """),
            arguments: arguments)
        while let row = try consumers.next() {
            guard let k = key(row), let ticket = EntityID(row[2] as String? ?? "") else { continue }
            lines[k]?.consumedBy[ticket] = Quantity(thousandths: clamped(row[3]))
        }
        let late = try Row.fetchCursor(
            db.cachedStatement(
            sql: """
                WITH \(lastCount)
                SELECT e.location, e.part, e.replica, e.counter FROM stock_entries e
                JOIN last_count c ON c.location = e.location AND c.part = e.part
                WHERE e.kind != \(counted) AND e.at <= c.at AND e.arrival > c.arrival
                """),
            arguments: arguments)
        while let row = try late.next() {
            guard let k = key(row), let replica = ReplicaID(row[2] as String) else { continue }
            lines[k]?.late.append(OpID(replica: replica, counter: UInt64(bitPattern: row[3] as Int64)))
        }
        let transit = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT location, part, total(quantity) FROM stock_in_transit WHERE \(whereKey) GROUP BY location, part"),
            arguments: arguments)
        while let row = try transit.next() {
            guard let k = key(row) else { continue }
            lines[k, default: StockLedger.Line(key: k)].inTransit = Quantity(thousandths: clamped(row[2]))
        }
        return lines.keys.sorted().map { k in
            var line = lines[k]!
            line.late.sort()
            return line
        }
    }

    /// The conditions (on `location` and `part` columns) and named arguments that select
    /// one location's or one part's rows; none for every key.
    static func keyFilter(location: StockLocation?, part: String?) -> (conditions: [String], arguments: [String: (any DatabaseValueConvertible)?]) {
        var conditions: [String] = []
        var arguments: [String: (any DatabaseValueConvertible)?] = [:]
        if let location {
            conditions.append("location = :location")
            arguments["location"] = location.description
        }
        if let part {
            conditions.append("part = :part")
            arguments["part"] = part
        }
        return (conditions, arguments)
    }

    /// Sums are SQLite's `total()` (a double): `sum()` stops the whole report with an
    /// overflow error on a hostile key, where the model saturates. Exact up to 2^53
    /// thousandths (nine trillion units), far past any real stock; past Int64, clamped.
    static func clamped(_ total: Double) -> Int64 {
        if total >= 9.223_372_036_854_775e18 { return .max }
        if total <= -9.223_372_036_854_775e18 { return .min }
        return Int64(total)
    }
}
