import FieldModel
import FieldStore

/// What `fieldsync-node stock …` does, on either backend: movements recorded as the
/// central replica on behalf of a warehouse or depot principal (`--as NAME`, who owns
/// `warehouse:NAME` and `depot:NAME`) or of the company (no `--as`: every location), with
/// the ownership rule a device applies (``StockAuthority``) checked before anything is
/// written; and the reports.
extension CentralAdmin {
    /// Who acts: a warehouse or depot principal by name, or the central.
    public static func stockActor(as name: String?) throws -> StockActor {
        guard let name else { return .central }
        guard ReplicaID.isValid(name) else {
            throw NodeError.badRequest("principal '\(name)' must be letters, digits, '.', '_' or '-' (a warehouse's or depot's token name)")
        }
        return .site(name)
    }

    public static func location(_ text: String) throws -> StockLocation {
        guard let l = StockLocation(text) else {
            throw NodeError.badRequest(
                "'\(text)' is not a stock location: write warehouse:ID, depot:ID or van:ENGINEER (no spaces, at most \(StockLocation.maxNameBytes) bytes after the colon)")
        }
        return l
    }

    public static func quantity(_ text: String) throws -> Quantity {
        guard let q = Quantity(parsing: text) else { throw NodeError.badRequest("'\(text)' is not a quantity: write a number such as 10 or 2.5") }
        return q
    }

    /// Stock received at `location` (from a supplier).
    public func receiveStock(at location: StockLocation, part: String, quantity: Quantity, reference: String = "", by actor: StockActor) async throws -> Op {
        try await recordStock(StockReceived(part: part, quantity: quantity, reference: reference), at: location, by: actor)
    }

    public func writeOffStock(at location: StockLocation, part: String, quantity: Quantity, reason: String, by actor: StockActor) async throws -> Op {
        try await recordStock(StockWrittenOff(part: part, quantity: quantity, reason: reason), at: location, by: actor)
    }

    /// A physical count at `at` (Unix ms; now when nil).
    public func countStock(at location: StockLocation, part: String, quantity: Quantity, time: UInt64? = nil, by actor: StockActor) async throws -> Op {
        if let time, time > clock() {
            throw NodeError.badRequest("a count cannot be later than now (\(UTCTime.iso8601(millis: clock()))): give the time it was counted")
        }
        return try await recordStock(StockCounted(part: part, quantity: quantity, at: time ?? clock()), at: location, by: actor)
    }

    /// Sends parts from one location to another; returns the transfer's id. A return
    /// (`purpose: .return`) taken back at the receiving location is confirmed at once when
    /// `arrived` is given.
    public func sendStock(
        part: String, quantity: Quantity, from: StockLocation, to: StockLocation, purpose: StockSent.Purpose = .transfer, arrived: Quantity? = nil,
        by actor: StockActor
    ) async throws -> EntityID {
        let sent = StockSent(part: part, quantity: quantity, from: from, to: to, purpose: purpose)
        try check(sent, by: actor)
        if let arrived {
            try Self.checkMovement(StockArrived(quantity: arrived))
            guard actor.owns(to) else {
                throw NodeError.badRequest("\(actor.description) may not confirm what arrived at \(to): only its owner may")
            }
        }
        let made = try await store.writeAsCentral([.sendStock(sent, arrived: arrived)], now: clock())
        guard let id = made.first?.subject else { throw StoreError(.database, "the central recorded no op for the transfer") }
        return id
    }

    /// Confirms what arrived of a transfer (all that was sent when `quantity` is nil).
    public func confirmStock(transfer raw: String, quantity: Quantity?, by actor: StockActor) async throws -> StockTransfer {
        guard let id = EntityID(raw), id.kind == StockTransfer.kind, let t = try await store.transfer(id), let sent = t.sent else {
            throw NodeError.notFound("no transfer '\(raw)' at central: `fieldsync-node stock reconcile` shows those in transit")
        }
        let body = StockArrived(quantity: quantity ?? sent.body.quantity)
        try Self.checkMovement(body)
        try Self.authorise(body, on: id, by: actor, transfer: t)
        _ = try await store.writeAsCentral([.onEntity(id, body)], now: clock())
        return try await store.transfer(id) ?? t
    }

    // MARK: Reports

    public func stockLines(location: StockLocation? = nil, part: String? = nil, since: UInt64? = nil) async throws -> [StockLedger.Line] {
        try await store.stockLines(location: location, part: part, since: since)
    }

    public func stockDisputes() async throws -> [StockDispute] { try await store.stockDisputes() }

    /// The parts consumed most in [from, to), by the consuming tickets' device model or fault code.
    public func stockDemand(from: UInt64, to: UInt64, by grouping: StockDemand.Grouping) async throws -> [StockDemand.Row] {
        guard from < to else { throw NodeError.badRequest("--from must be before --to") }
        let consumed = try await store.stockConsumption(from: from, to: to)
        var facts: [TicketID: TicketFacts] = [:]
        for ticket in Set(consumed.compactMap(\.ticket)) {
            if let t = try await store.ticket(ticket) { facts[ticket] = TicketFacts(t) }
        }
        return StockDemand.rank(consumed, facts: facts, by: grouping)
    }

    // MARK: Checks

    func recordStock(_ body: any EntityOpBody, at location: StockLocation, by actor: StockActor) async throws -> Op {
        try Self.checkMovement(body)
        try Self.authorise(body, on: location.entity, by: actor, transfer: nil)
        let made = try await store.writeAsCentral([.onEntity(location.entity, body)], now: clock())
        guard let op = made.first else { throw StoreError(.database, "the central recorded no op for the movement") }
        return op
    }

    func check(_ sent: StockSent, by actor: StockActor) throws {
        try Self.checkMovement(sent)
        // The transfer's id is the sending op's, made in the write: any transfer id does here.
        try Self.authorise(sent, on: StockTransfer.id(sentBy: OpID(replica: ReplicaID("central")!, counter: 1)), by: actor, transfer: nil)
    }

    static func authorise(_ body: any EntityOpBody, on subject: EntityID, by actor: StockActor, transfer: StockTransfer?) throws {
        do { try StockAuthority.check(body, on: subject, by: actor, transfer: transfer) } catch { throw NodeError.badRequest(error.message) }
    }

    static func checkMovement(_ body: any EntityOpBody) throws {
        do { try body.validate() } catch { throw NodeError.badRequest(error.message) }
    }
}
