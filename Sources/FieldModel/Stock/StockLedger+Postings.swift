extension StockLedger {
    /// One entry of the ledger as a store keeps it (a row per entry): what one movement, one
    /// side of a transfer or one part line puts on one (location, part). Derived from a
    /// state alone, so a store rewrites an entity's postings from its state and never merges.
    public struct Posting: Hashable, Sendable {
        public enum Kind: Int, Hashable, Sendable, CaseIterable {
            case received = 0, transferredIn, transferredOut, returned, consumed, writtenOff, counted
        }

        public let key: Key
        /// The op that made it.
        public let id: OpID
        public let kind: Kind
        public let quantity: Quantity
        /// When it happened (Unix ms): a count's own time, else the op's stamp.
        public let at: UInt64
        /// The consuming ticket, for consumption.
        public let ticket: TicketID?

        public init(key: Key, id: OpID, kind: Kind, quantity: Quantity, at: UInt64, ticket: TicketID?) {
            self.key = key
            self.id = id
            self.kind = kind
            self.quantity = quantity
            self.at = at
            self.ticket = ticket
        }

        /// What it adds to the expected quantity (thousandths).
        public var delta: Int64 {
            switch kind {
            case .received, .transferredIn: quantity.thousandths
            case .transferredOut, .returned, .consumed, .writtenOff: StockLedger.negated(quantity.thousandths)
            case .counted: 0
            }
        }
    }

    /// The posting of a location's movement.
    public static func posting(of m: Stock.Movement, at location: StockLocation) -> Posting {
        switch m.body {
        case .received(let r): Posting(key: Key(location: location, part: r.part), id: m.id, kind: .received, quantity: r.quantity, at: m.at, ticket: nil)
        case .writtenOff(let w): Posting(key: Key(location: location, part: w.part), id: m.id, kind: .writtenOff, quantity: w.quantity, at: m.at, ticket: nil)
        case .counted(let c): Posting(key: Key(location: location, part: c.part), id: m.id, kind: .counted, quantity: c.quantity, at: m.at, ticket: nil)
        }
    }

    /// A transfer's postings: out of the source at the sending, into the destination at the
    /// confirmation that counts (none before it is sent).
    public static func postings(of t: StockTransfer) -> [Posting] {
        guard let sent = t.sent else { return [] }
        let m = sent.body
        var out = [
            Posting(
                key: Key(location: m.from, part: m.part), id: sent.op, kind: m.purpose == .return ? .returned : .transferredOut,
                quantity: m.quantity, at: sent.stamp.wallMillis, ticket: nil)
        ]
        if let arrival = t.arrival {
            out.append(
                Posting(key: Key(location: m.to, part: m.part), id: arrival.op, kind: .transferredIn, quantity: arrival.quantity, at: arrival.stamp.wallMillis, ticket: nil))
        }
        return out
    }

    /// What a transfer has on its way to its destination: sent and not yet confirmed.
    public static func inTransit(of t: StockTransfer) -> (key: Key, quantity: Quantity)? {
        guard t.inTransit, let m = t.sent?.body else { return nil }
        return (Key(location: m.to, part: m.part), m.quantity)
    }

    /// A ticket's consumption: its part lines not removed, from a stock location (lines
    /// naming none are kept out of the ledger).
    public static func postings(of ticket: Ticket) -> [Posting] {
        ticket.partEntries.values.compactMap { entry in
            guard !ticket.removedLines.contains(entry.id), let location = StockLocation(entry.line.location) else { return nil }
            return Posting(
                key: Key(location: location, part: entry.line.partNumber), id: entry.id, kind: .consumed, quantity: entry.line.quantity,
                at: entry.stamp.wallMillis, ticket: ticket.id)
        }.sorted { $0.id < $1.id }
    }
}
