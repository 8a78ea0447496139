import FieldModel
import FieldStore

/// The engineer's van stock, offline: what the replica holds of their van (its movements,
/// the transfers to and from it, their own tickets' part lines), reconciled by the store's
/// kept ledger. Every movement is checked against what the engineer owns
/// (``StockAuthority``) before it is recorded, as the node checks it again.
extension FieldReplica {
    /// The engineer's van.
    public var van: StockLocation {
        get throws {
            guard let v = StockLocation.van(of: engineer) else {
                throw ClientError(.badArgument, "engineer id '\(engineer)' cannot name a van (no spaces, at most \(StockLocation.maxNameBytes) bytes)")
            }
            return v
        }
    }

    /// The van's lines: expected on hand, in transit to it, consumed by which tickets, last count.
    public func vanStock(part: String? = nil, since: UInt64? = nil) throws -> [StockLedger.Line] {
        try store.stockLines(location: try van, part: part, since: since)
    }

    /// Transfers to the van not yet confirmed, and those confirmed short.
    public func vanTransfers() throws -> (inTransit: [StockTransfer], disputes: [StockDispute]) {
        let v = try van
        return (try store.transfersInTransit(to: v), try store.stockDisputes().filter { $0.to == v || $0.from == v })
    }

    /// Confirms what arrived in the van of transfer `raw` (all that was sent when `quantity` is nil).
    public func receiveTransfer(_ raw: String, quantity: String?) throws -> StockTransfer {
        guard let id = EntityID(raw), id.kind == StockTransfer.kind, let t = try store.transfer(id), let sent = t.sent else {
            throw ClientError(.badArgument, "no transfer '\(raw)' on this replica: sync first; `fieldsync stock` lists those on their way to your van")
        }
        let q = try quantity.map { try Self.quantity($0, zeroAllowed: true) } ?? sent.body.quantity
        let body = StockArrived(quantity: q)
        try authorise(body, on: id, transfer: t)
        _ = try store.edit(now: try stampTime(clock())) { edit in try edit.record(body, on: id) }
        return try store.transfer(id) ?? t
    }

    /// A physical count of the van; returns its line, reconciled.
    public func countVan(part: String, quantity: String) throws -> StockLedger.Line? {
        let v = try van
        let now = try stampTime(clock())
        let body = StockCounted(part: part, quantity: try Self.quantity(quantity, zeroAllowed: true), at: now)
        try authorise(body, on: v.entity, transfer: nil)
        _ = try store.edit(now: now) { edit in try edit.record(body, on: v.entity) }
        return try vanStock(part: part).first
    }

    /// Sends parts from the van back to `to` (a warehouse or depot); returns the transfer's id.
    public func returnParts(part: String, quantity: String, to raw: String) throws -> EntityID {
        guard let to = StockLocation(raw) else {
            throw ClientError(.badArgument, "'\(raw)' is not a stock location: write warehouse:ID or depot:ID")
        }
        let body = StockSent(part: part, quantity: try Self.quantity(quantity, zeroAllowed: false), from: try van, to: to, purpose: .return)
        try authorise(body, on: StockTransfer.id(sentBy: OpID(replica: replicaID, counter: 1)), transfer: nil)
        let (op, _) = try store.edit(now: try stampTime(clock())) { edit in try edit.send(body) }
        return op.subject
    }

    /// What the van is expected to hold of `part` now; nil when it has no line for it.
    public func vanHolds(_ part: String) throws -> Quantity? {
        try vanStock(part: part).first?.expected
    }

    // MARK: Checks

    static func quantity(_ text: String, zeroAllowed: Bool) throws -> Quantity {
        guard let q = Quantity(parsing: text), zeroAllowed ? q.thousandths >= 0 : q.thousandths > 0 else {
            throw ClientError(.badArgument, "quantity '\(text)' must be a number \(zeroAllowed ? "of 0 or more" : "greater than 0") (up to 3 decimals)")
        }
        return q
    }

    func authorise(_ body: any EntityOpBody, on subject: EntityID, transfer: StockTransfer?) throws {
        do {
            try body.validate()
            try StockAuthority.check(body, on: subject, by: .engineer(engineer), transfer: transfer)
        } catch {
            throw ClientError(.badArgument, error.message)
        }
    }
}
