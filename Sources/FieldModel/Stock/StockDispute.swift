/// A transfer whose receiving side confirmed another quantity than was sent: the
/// difference is in dispute until someone settles it (a write-off, a second delivery).
public struct StockDispute: Hashable, Sendable {
    public let transfer: EntityID
    public let from: StockLocation
    public let to: StockLocation
    public let part: String
    public let sent: Quantity
    public let arrived: Quantity

    public init(transfer: EntityID, from: StockLocation, to: StockLocation, part: String, sent: Quantity, arrived: Quantity) {
        self.transfer = transfer
        self.from = from
        self.to = to
        self.part = part
        self.sent = sent
        self.arrived = arrived
    }

    /// Sent and not arrived (below zero: more arrived than was sent).
    public var missing: Quantity {
        Quantity(thousandths: StockLedger.add(sent.thousandths, StockLedger.negated(arrived.thousandths)))
    }

    /// The dispute of a transfer; nil while in transit or when what arrived is what was sent.
    public init?(_ t: StockTransfer) {
        guard let sent = t.sent, let arrival = t.arrival, sent.body.quantity != arrival.quantity else { return nil }
        self.init(transfer: t.id, from: sent.body.from, to: sent.body.to, part: sent.body.part, sent: sent.body.quantity, arrived: arrival.quantity)
    }
}

extension StockLedger {
    /// Every transfer in dispute, by id.
    public var disputes: [StockDispute] {
        transfers.values.compactMap(StockDispute.init).sorted { $0.transfer < $1.transfer }
    }
}

/// Parts demand, as the requirement articles ask for it: which parts the tickets of each
/// device model (or fault code) consumed most over a period, from the tickets' part lines.
public enum StockDemand {
    public enum Grouping: String, Sendable, CaseIterable {
        case model, fault
    }

    /// One part consumed by one group's tickets.
    public struct Row: Hashable, Sendable {
        /// The device model or fault code ("" when the tickets did not say).
        public let group: String
        public let part: String
        public let quantity: Quantity
        public let tickets: Int
    }

    /// The consumption postings `consumed` grouped by each ticket's model or fault code
    /// (`facts`), most consumed first within each group, groups by their total.
    public static func rank(_ consumed: [StockLedger.Posting], facts: [TicketID: TicketFacts], by grouping: Grouping) -> [Row] {
        var quantity: [String: [String: Int64]] = [:]
        var tickets: [String: [String: Set<TicketID>]] = [:]
        for p in consumed where p.kind == .consumed {
            guard let ticket = p.ticket else { continue }
            let f = facts[ticket]
            let group = (grouping == .model ? f?.deviceModel : f?.faultCode) ?? ""
            quantity[group, default: [:]][p.key.part] = StockLedger.add(quantity[group]?[p.key.part] ?? 0, p.quantity.thousandths)
            tickets[group, default: [:]][p.key.part, default: []].insert(ticket)
        }
        let totals = quantity.mapValues { $0.values.reduce(Int64(0), StockLedger.add) }
        return quantity.keys.sorted { (totals[$0]!, $1) > (totals[$1]!, $0) }.flatMap { group in
            quantity[group]!.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map {
                Row(group: group, part: $0.key, quantity: Quantity(thousandths: $0.value), tickets: tickets[group]![$0.key]!.count)
            }
        }
    }
}
