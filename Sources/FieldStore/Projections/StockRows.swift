import FieldModel
import GRDB

/// The stock ledger as a replica keeps it: one `stock_entries` row per posting
/// (``StockLedger/Posting``: a movement, a side of a transfer, a ticket's part line), each
/// with the log position its op arrived at, and one `stock_in_transit` row per transfer
/// on its way. The model decides every posting from an entity's state; this only writes
/// them, so a reconciliation is SQL sums over rows, never a replay (issue M7: a year of a
/// company's movements reconciles in under a second without holding them in memory).
///
/// A location's stock is a grow-only set of movements: a push adds the postings of its new
/// ops alone. A transfer (two or three ops) and a ticket's part lines are rewritten whole.
enum StockRows: EntityProjection {
    static var kind: EntityKind { Stock.kind }

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE stock_entries (
                    location TEXT NOT NULL,
                    part TEXT NOT NULL,
                    -- The op that made the posting.
                    replica TEXT NOT NULL,
                    counter INTEGER NOT NULL,
                    -- The entity it is derived from: a location's stock, a transfer, a ticket.
                    source TEXT NOT NULL,
                    -- StockLedger.Posting.Kind.
                    kind INTEGER NOT NULL,
                    -- Thousandths of a unit; delta is what it adds to the expected quantity.
                    quantity INTEGER NOT NULL,
                    delta INTEGER NOT NULL,
                    at INTEGER NOT NULL,
                    arrival INTEGER NOT NULL,
                    ticket TEXT,
                    PRIMARY KEY (location, part, replica, counter)
                ) WITHOUT ROWID;
                CREATE INDEX stock_entries_by_source ON stock_entries (source);
                CREATE TABLE stock_in_transit (
                    transfer TEXT PRIMARY KEY NOT NULL,
                    location TEXT NOT NULL,
                    part TEXT NOT NULL,
                    quantity INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX stock_in_transit_by_key ON stock_in_transit (location, part);
                """)
    }

    /// What a store held before it kept the ledger: every stock entity and every ticket
    /// with part lines, derived once (after ``StockTotals/create(_:)``, which each key's
    /// line is rebuilt into).
    static func backfill(_ db: Database) throws {
        for raw in try String.fetchAll(db, sql: "SELECT DISTINCT subject FROM ops WHERE kind IN (?, ?, ?, ?, ?)", arguments: stockKinds) {
            guard let id = EntityID(raw) else { continue }
            try EntityProjections.projection(for: id.kind)?.refresh(id, db)
        }
        for raw in try String.fetchAll(
            db, sql: "SELECT DISTINCT subject FROM ops WHERE kind IN (?, ?)",
            arguments: [Int64(OpKind.partAdded.rawValue), Int64(OpKind.partRemoved.rawValue)])
        {
            guard let id = EntityID(raw) else { continue }
            var ticket = Ticket(id: id)
            for op in try OpRows.ops(of: id, db).ops { ticket.apply(op) }
            try ticketChanged(ticket, db)
        }
    }

    static var stockKinds: StatementArguments {
        StatementArguments([StockReceived.opKind, StockSent.opKind, StockArrived.opKind, StockWrittenOff.opKind, StockCounted.opKind].map { Int64($0.rawValue) })
    }

    /// The postings of the location's ops stored since the last one it holds.
    static func refresh(_ id: EntityID, _ db: Database) throws {
        guard let location = StockLocation(entity: id) else { return }
        let last = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT max(arrival) FROM stock_entries WHERE source = ?"), arguments: [id.rawValue]) ?? 0
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT \(OpRows.columns) FROM ops WHERE subject = ? AND seq > ? ORDER BY seq"), arguments: [id.rawValue, last])
        while let row = try rows.next() {
            let op = try OpRows.decode(row)
            var stock = Stock(id: id)
            stock.apply(op)
            for m in stock.movements.values {
                let p = StockLedger.posting(of: m, at: location)
                // New movements are added to their key's kept line, not re-derived with it.
                if try insert(p, source: id, arrival: row[0], db) { try StockTotals.add(p, arrival: row[0], db) }
            }
        }
    }

    /// Every posting of the location again (its ops were renumbered).
    static func rebuild(_ id: EntityID, _ db: Database) throws {
        try purge(id, db)
        try refresh(id, db)
    }

    static func purge(_ id: EntityID, _ db: Database) throws {
        for key in try delete(source: id, db) { try StockTotals.rebuild(key, db) }
    }

    /// Deletes the postings derived from `id`; returns the keys they were on, for the
    /// caller to rebuild (``StockTotals``).
    static func delete(source id: EntityID, _ db: Database) throws -> Set<StockLedger.Key> {
        var keys: Set<StockLedger.Key> = []
        for row in try Row.fetchAll(
            db.cachedStatement(sql: "SELECT DISTINCT location, part FROM stock_entries WHERE source = ?"), arguments: [id.rawValue])
        {
            if let location = StockLocation(row[0] as String) { keys.insert(StockLedger.Key(location: location, part: row[1])) }
        }
        if !keys.isEmpty { try db.cachedStatement(sql: "DELETE FROM stock_entries WHERE source = ?").execute(arguments: [id.rawValue]) }
        return keys
    }

    /// Brings a ticket's consumption up to date: its part lines not removed, from a stock
    /// location. Only what changed is written: a new line is one posting added to its
    /// key's kept line; a removed one re-derives its key.
    static func ticketChanged(_ ticket: Ticket, _ db: Database) throws {
        // Only a ticket consumes (Op.validate keeps part lines on tickets; this keeps a
        // ticket's purge from ever touching a location's postings).
        guard ticket.id.kind == .ticket else { return }
        let held = try postings(source: ticket.id, db)
        let now = Set(StockLedger.postings(of: ticket))
        var rederive: Set<StockLedger.Key> = []
        for p in held.subtracting(now) {
            try db.cachedStatement(sql: "DELETE FROM stock_entries WHERE location = ? AND part = ? AND replica = ? AND counter = ?")
                .execute(arguments: [p.key.location.description, p.key.part, p.id.replica.rawValue, Int64(bitPattern: p.id.counter)])
            rederive.insert(p.key)
        }
        var added: [(StockLedger.Posting, Int64)] = []
        for p in now.subtracting(held).sorted(by: { $0.id < $1.id }) {
            let arrival = try arrival(of: p.id, db)
            if try insert(p, source: ticket.id, arrival: arrival, db) { added.append((p, arrival)) } else { rederive.insert(p.key) }
        }
        for (p, arrival) in added where !rederive.contains(p.key) { try StockTotals.add(p, arrival: arrival, db) }
        for key in rederive { try StockTotals.rebuild(key, db) }
    }

    /// The postings derived from `source`, as stored.
    static func postings(source id: EntityID, _ db: Database) throws -> Set<StockLedger.Posting> {
        var out: Set<StockLedger.Posting> = []
        for r in try DirectExecution.rows(
            db.cachedStatement(sql: "SELECT location, part, \(postingColumns) FROM stock_entries WHERE source = ?"), .text(id.rawValue))
        {
            guard let location = StockLocation(r[0].string), let p = posting(r[2...], key: StockLedger.Key(location: location, part: r[1].string)) else { continue }
            out.insert(p)
        }
        return out
    }

    /// The columns ``posting(_:key:)`` reads, in its order.
    static let postingColumns = "replica, counter, kind, quantity, at, ticket"

    /// A stored posting of `key` from its ``postingColumns``; nil if unreadable.
    static func posting(_ r: ArraySlice<DirectValue>, key: StockLedger.Key) -> StockLedger.Posting? {
        let c = r.startIndex
        guard let replica = ReplicaID(r[c].string), let kind = StockLedger.Posting.Kind(rawValue: Int(r[c + 2].integer)) else { return nil }
        let ticket: TicketID? = if case .text(let t) = r[c + 5] { EntityID(t) } else { nil }
        return StockLedger.Posting(
            key: key, id: OpID(replica: replica, counter: UInt64(bitPattern: r[c + 1].integer)), kind: kind,
            quantity: Quantity(thousandths: r[c + 3].integer), at: UInt64(clamping: r[c + 4].integer), ticket: ticket)
    }

    /// Stores a posting; false when one of the same key and op is already there.
    @discardableResult
    static func insert(_ p: StockLedger.Posting, source: EntityID, arrival: Int64, _ db: Database) throws -> Bool {
        try DirectExecution.execute(
            db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO stock_entries (location, part, replica, counter, source, kind, quantity, delta, at, arrival, ticket)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """),
            .text(p.key.location.description), .text(p.key.part), .text(p.id.replica.rawValue), .int(Int64(bitPattern: p.id.counter)),
            .text(source.rawValue), .int(Int64(p.kind.rawValue)), .int(p.quantity.thousandths), .int(p.delta), .int(Int64(clamping: p.at)),
            .int(arrival), p.ticket.map { .text($0.rawValue) } ?? .null)
        return db.changesCount > 0
    }

    /// Where an op arrived in this replica's log (0 if it is not held).
    static func arrival(of id: OpID, _ db: Database) throws -> Int64 {
        try DirectExecution.rows(
            db.cachedStatement(sql: "SELECT seq FROM ops WHERE replica = ? AND counter = ?"), .text(id.replica.rawValue), .int(Int64(bitPattern: id.counter))
        ).first?.first?.integer ?? 0
    }
}

/// A transfer's postings and what it has in transit, rewritten whole from its state.
enum TransferRows: EntityProjection {
    static var kind: EntityKind { StockTransfer.kind }

    static func refresh(_ id: EntityID, _ db: Database) throws {
        var touched = try delete(id, db)
        var transfer = StockTransfer(id: id)
        var arrivals: [OpID: Int64] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT \(OpRows.columns) FROM ops WHERE subject = ? ORDER BY seq"), arguments: [id.rawValue]) {
            let op = try OpRows.decode(row)
            transfer.apply(op)
            arrivals[op.id] = row[0]
        }
        for posting in StockLedger.postings(of: transfer) {
            try StockRows.insert(posting, source: id, arrival: arrivals[posting.id] ?? 0, db)
            touched.insert(posting.key)
        }
        if let (key, quantity) = StockLedger.inTransit(of: transfer) {
            try db.cachedStatement(sql: "INSERT INTO stock_in_transit (transfer, location, part, quantity) VALUES (?, ?, ?, ?)")
                .execute(arguments: [id.rawValue, key.location.description, key.part, quantity.thousandths])
            touched.insert(key)
        }
        for key in touched { try StockTotals.rebuild(key, db) }
    }

    static func purge(_ id: EntityID, _ db: Database) throws {
        for key in try delete(id, db) { try StockTotals.rebuild(key, db) }
    }

    /// Deletes the transfer's postings and its row in transit; returns the keys touched.
    static func delete(_ id: EntityID, _ db: Database) throws -> Set<StockLedger.Key> {
        var keys = try StockRows.delete(source: id, db)
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT location, part FROM stock_in_transit WHERE transfer = ?"), arguments: [id.rawValue]) {
            if let location = StockLocation(row[0] as String) { keys.insert(StockLedger.Key(location: location, part: row[1])) }
        }
        try db.cachedStatement(sql: "DELETE FROM stock_in_transit WHERE transfer = ?").execute(arguments: [id.rawValue])
        return keys
    }
}
