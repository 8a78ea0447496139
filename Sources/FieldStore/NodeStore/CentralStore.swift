import FieldModel

/// The central replica's own writes (`fieldsync-node ticket …`, `kb import`) and what its
/// admin commands read, on either backend.
///
/// A write is a list of ``CentralWrite``s recorded in one transaction: every op is made
/// there, with the central's next counters and a stamp later than any it made and any on
/// the tickets it changes, then stored and materialised as a push is. On PostgreSQL several
/// node processes and admin commands may write as the central at once; each locks the
/// central's progress row first, so no two take the same counter.
public protocol CentralStore: Sendable {
    /// Records `writes` as the central replica at time `now` (Unix ms); returns the ops made,
    /// in order. All or nothing.
    func writeAsCentral(_ writes: [CentralWrite], now: UInt64) async throws(StoreError) -> [Op]
    /// The ticket as central holds it; nil if it holds none under `id`.
    func ticket(_ id: TicketID) async throws(StoreError) -> Ticket?
    /// The ops of ticket `id`, in log order (empty if it holds none).
    func ops(of id: TicketID) async throws(StoreError) -> [Op]
    /// The ticket list, most recently changed first.
    func tickets() async throws(StoreError) -> [TicketSummary]
    /// Every article central holds, retired ones too, by id.
    func articles() async throws(StoreError) -> [StoredArticle]
    /// One article; nil if central holds none under `id`.
    func article(_ id: EntityID) async throws(StoreError) -> StoredArticle?

    // MARK: Stock (M7)

    /// The stock ledger's lines (``StockLedger/lines(location:part:since:)``), of every
    /// location and part or of one.
    func stockLines(location: StockLocation?, part: String?, since: UInt64?) async throws(StoreError) -> [StockLedger.Line]
    /// Transfers whose receiving side confirmed another quantity than was sent.
    func stockDisputes() async throws(StoreError) -> [StockDispute]
    /// The tickets' consumption stamped in [from, to) (Unix ms).
    func stockConsumption(from: UInt64, to: UInt64) async throws(StoreError) -> [StockLedger.Posting]
    /// A transfer as central holds it; nil if it holds no op of it.
    func transfer(_ id: EntityID) async throws(StoreError) -> StockTransfer?
}

/// One op the central records (``CentralStore/writeAsCentral(_:now:)``).
public enum CentralWrite: Sendable {
    /// A new ticket.
    case createTicket(TicketCreated)
    /// An op on a ticket, made from the ticket as it stands in the writing transaction (an
    /// assignment names the values it replaces); the ticket must exist.
    case onTicket(TicketID, @Sendable (Ticket, UInt64) -> OpBody)
    /// An op on an entity beyond tickets (an article's new version or retirement).
    case onEntity(EntityID, any EntityOpBody)
    /// A new transfer, named after the op that sends it (``StockTransfer/id(sentBy:)``);
    /// with `arrived`, its receipt is recorded in the same write (a return taken back at
    /// the warehouse counter).
    case sendStock(StockSent, arrived: Quantity?)
}
