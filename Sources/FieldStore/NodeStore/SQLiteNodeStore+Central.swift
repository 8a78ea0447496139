import FieldModel

extension SQLiteNodeStore: CentralStore {
    /// One SQLite transaction (``ReplicaStore/edit(now:_:)``): SQLite has one writer, so the
    /// central's counters and clock need no lock of their own.
    public func writeAsCentral(_ writes: [CentralWrite], now: UInt64) async throws(StoreError) -> [Op] {
        try await blocking { store throws(StoreError) in
            try store.edit(now: now) { edit in
                for write in writes {
                    switch write {
                    case .createTicket(let created): try edit.createTicket(created)
                    case .onTicket(let id, let make): try edit.record(make(try edit.ticket(id), now), on: id)
                    case .onEntity(let id, let body): try edit.record(body, on: id)
                    case .sendStock(let sent, let arrived): try edit.send(sent, arrived: arrived)
                    }
                }
            }.1
        }
    }

    public func ticket(_ id: TicketID) async throws(StoreError) -> Ticket? {
        try await blocking { store throws(StoreError) in try store.ticket(id) }
    }

    public func ops(of id: TicketID) async throws(StoreError) -> [Op] {
        try await blocking { store throws(StoreError) in try store.ops(of: id) }
    }

    public func tickets() async throws(StoreError) -> [TicketSummary] {
        try await blocking { store throws(StoreError) in try store.tickets() }
    }

    public func articles() async throws(StoreError) -> [StoredArticle] {
        try await blocking { store throws(StoreError) in try store.articles() }
    }

    public func article(_ id: EntityID) async throws(StoreError) -> StoredArticle? {
        try await blocking { store throws(StoreError) in try store.article(id) }
    }

    public func stockLines(location: StockLocation?, part: String?, since: UInt64?) async throws(StoreError) -> [StockLedger.Line] {
        try await blocking { store throws(StoreError) in try store.stockLines(location: location, part: part, since: since) }
    }

    public func stockDisputes() async throws(StoreError) -> [StockDispute] {
        try await blocking { store throws(StoreError) in try store.stockDisputes() }
    }

    public func stockConsumption(from: UInt64, to: UInt64) async throws(StoreError) -> [StockLedger.Posting] {
        try await blocking { store throws(StoreError) in try store.stockConsumption(from: from, to: to) }
    }

    public func transfer(_ id: EntityID) async throws(StoreError) -> StockTransfer? {
        try await blocking { store throws(StoreError) in try store.transfer(id) }
    }
}
