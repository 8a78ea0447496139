import FieldModel
import FieldStore
import PostgresNIO

/// The stock ledger on PostgreSQL: derived by the model (``StockLedger``) from the log's
/// stock movements and part lines at each report, not kept as SQLite keeps it (issue M7's
/// memory and speed targets are measured on SQLite's kept postings).
extension PostgresNodeStore {
    public func stockLines(location: StockLocation?, part: String?, since: UInt64?) async throws(StoreError) -> [StockLedger.Line] {
        try await stockLedger().lines(location: location, part: part, since: since)
    }

    public func stockDisputes() async throws(StoreError) -> [StockDispute] {
        try await stockLedger().disputes
    }

    public func stockConsumption(from: UInt64, to: UInt64) async throws(StoreError) -> [StockLedger.Posting] {
        var tickets: [TicketID: Ticket] = [:]
        for (op, _) in try await stockOps() where op.body.changesConsumption {
            tickets[op.subject, default: Ticket(id: op.subject)].apply(op)
        }
        return tickets.values.flatMap(StockLedger.postings(of:)).filter { $0.at >= from && $0.at < to }
    }

    public func transfer(_ id: EntityID) async throws(StoreError) -> StockTransfer? {
        guard id.kind == StockTransfer.kind else { return nil }
        let logger = logger
        let ops = try await guarded("reading a transfer") {
            try await client.withConnection { connection in try await EntityMaterialiser(connection: connection, logger: logger).ops(of: id) }
        }
        guard !ops.isEmpty else { return nil }
        var t = StockTransfer(id: id)
        for op in ops { t.apply(op) }
        return t
    }

    func stockLedger() async throws(StoreError) -> StockLedger {
        var ledger = StockLedger()
        for (op, seq) in try await stockOps() { ledger.apply(op, arrival: seq) }
        return ledger
    }

    

    /// Every stock movement and part line in the log, in log order.
    func stockOps() async throws(StoreError) -> [(Op, Int64)] {
        let kinds = [StockReceived.opKind, StockSent.opKind, StockArrived.opKind, StockWrittenOff.opKind, StockCounted.opKind, .partAdded, .partRemoved]
            .map { Int64($0.rawValue) }
        let logger = logger
        return try await guarded("reading the stock movements") {
            var out: [(Op, Int64)] = []
            // Log order is all lateness compares: a position in this list serves as arrival.
            for try await row in try await client.query(
                "SELECT \(unescaped: OpRecord.columns) FROM ops WHERE kind = ANY(\(kinds)) ORDER BY seq", logger: logger
            ).decode(OpRecord.Row.self) {
                out.append((try OpRecord.decode(row), Int64(out.count + 1)))
            }
            return out
        }
    }
}
