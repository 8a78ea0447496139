/// A transfer of parts between two locations, as a replica holds it: the op that sent
/// it and the receiving side's confirmations, each by its op id. Its own entity
/// (`transfer:X<counter>-<replica>`, from the sending op's id as a ticket's id is), so the
/// engineer of either van sees it whole. Order-free: a confirmation that arrives before
/// the sending is kept, and merging is union.
public struct StockTransfer: EntityState {
    public static var kind: EntityKind { EntityKind("transfer") }

    public let id: EntityID
    /// The sending, its op and stamp.
    public private(set) var sent: (op: OpID, stamp: Timestamp, body: StockSent)?
    /// Confirmations of what arrived, by op.
    public private(set) var arrivals: [OpID: (stamp: Timestamp, quantity: Quantity)] = [:]

    public init(id: EntityID) { self.id = id }

    /// The id of the transfer sent by op `sending`.
    public static func id(sentBy sending: OpID) -> EntityID {
        // A kind of 8 letters and a replica id (no whitespace, ≤ 64 bytes): always valid.
        EntityID(kind: kind, name: "X\(sending.counter)-\(sending.replica.rawValue)")!
    }

    public static func derives(from op: Op) -> Bool {
        guard case .entity(let e) = op.body else { return false }
        return e.body is StockSent || e.body is StockArrived
    }

    public mutating func apply(_ op: Op) {
        guard op.subject == id, case .entity(let e) = op.body else { return }
        if let body = e.body as? StockSent {
            // Only the op the transfer is named after sends it (Op.validate refuses any
            // other); a resend of it carries the same content.
            if Self.id(sentBy: op.id) == id { sent = (op.id, op.stamp, body) }
        } else if let body = e.body as? StockArrived {
            arrivals[op.id] = (op.stamp, body.quantity)
        }
    }

    public func merging(_ other: StockTransfer) -> StockTransfer {
        var out = self
        if out.sent == nil, let theirs = other.sent { out.sent = theirs }
        out.arrivals.merge(other.arrivals) { mine, _ in mine }
        return out
    }

    /// The confirmation that counts: the largest quantity (two devices confirming the
    /// same delivery count it once), ties by op id.
    public var arrival: (op: OpID, stamp: Timestamp, quantity: Quantity)? {
        arrivals.max { ($0.value.quantity, $0.key) < ($1.value.quantity, $1.key) }.map { ($0.key, $0.value.stamp, $0.value.quantity) }
    }

    /// Sent and not yet confirmed.
    public var inTransit: Bool { sent != nil && arrivals.isEmpty }

    /// What was sent and did not arrive (below zero: more arrived than was sent).
    public var inDispute: Quantity? {
        guard let sent, let arrival, sent.body.quantity != arrival.quantity else { return nil }
        return Quantity(thousandths: StockLedger.add(sent.body.quantity.thousandths, StockLedger.negated(arrival.quantity.thousandths)))
    }

    /// SHA-256 over the sending's and the confirmations' op ids and stamps, in id order.
    public var digest: Digest {
        var h = SHA256()
        h.update(Array(id.rawValue.utf8))
        if let sent { h.update(Array("|sent \(sent.op)@\(sent.stamp)".utf8)) }
        for key in arrivals.keys.sorted() { h.update(Array("|arrived \(key)@\(arrivals[key]!.stamp)".utf8)) }
        return h.finalize()
    }

    public static func == (a: StockTransfer, b: StockTransfer) -> Bool {
        a.id == b.id && a.sent?.op == b.sent?.op && a.sent?.stamp == b.sent?.stamp && a.sent?.body == b.sent?.body
            && a.arrivals.mapValues { $0.quantity } == b.arrivals.mapValues { $0.quantity }
            && a.arrivals.mapValues { $0.stamp } == b.arrivals.mapValues { $0.stamp }
    }

    public func hash(into h: inout Hasher) {
        h.combine(id)
        h.combine(sent?.op)
        h.combine(arrivals.count)
    }
}
