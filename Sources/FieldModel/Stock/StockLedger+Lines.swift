extension StockLedger {
    /// A physical count of a key.
    public struct Count: Hashable, Sendable {
        public let id: OpID
        public let quantity: Quantity
        public let at: UInt64

        public init(id: OpID, quantity: Quantity, at: UInt64) {
            self.id = id
            self.quantity = quantity
            self.at = at
        }
    }

    /// The reconciliation of one location's stock of one part.
    public struct Line: Hashable, Sendable {
        public let key: Key
        /// Expected on hand before the period (0 without one).
        public var opening = Quantity(0)
        public var received = Quantity(0)
        public var transferredIn = Quantity(0)
        public var transferredOut = Quantity(0)
        public var returned = Quantity(0)
        public var consumed = Quantity(0)
        /// Which tickets consumed it, and how much each.
        public var consumedBy: [TicketID: Quantity] = [:]
        public var writtenOff = Quantity(0)
        /// Sent to this location and not yet confirmed.
        public var inTransit = Quantity(0)
        /// Expected on hand now.
        public var expected = Quantity(0)
        /// The latest count, what was expected at its time, and the difference (counted −
        /// expected: below zero, parts are missing).
        public var lastCount: Count?
        public var expectedAtCount: Quantity?
        public var discrepancy: Quantity?
        /// Movements and consumption stamped before the latest count that arrived after
        /// it: the count was reconciled without them, and the discrepancy is recomputed.
        public var late: [OpID] = []

        public init(key: Key) { self.key = key }

        /// Sets the latest count, what was expected at its time, and their difference.
        public mutating func reconcile(_ count: Count, expectedAtCount: Quantity) {
            lastCount = count
            self.expectedAtCount = expectedAtCount
            discrepancy = Quantity(thousandths: StockLedger.add(count.quantity.thousandths, StockLedger.negated(expectedAtCount.thousandths)))
        }

        /// Below zero: more left than came (a movement not recorded yet, or an error).
        public var isNegative: Bool { expected.thousandths < 0 }

        /// Takes in one more posting of this key, one it does not hold yet, without reading
        /// its others, as a store keeps the line (issue M7: one more movement in ≤ 1 ms on a year's ledger): the
        /// result is ``StockLedger/line(_:postings:inTransit:since:)`` over every posting.
        /// `countArrival` is where the line's latest count arrived. Returns false, changing
        /// nothing, for a count later than the line's own, or for another key's posting:
        /// what was expected at a new count needs every posting, so the caller derives
        /// the line whole.
        public mutating func add(_ posting: Posting, arrival: Int64, countArrival: Int64?) -> Bool {
            guard posting.key == key, opening.thousandths == 0, let e = Entry(posting, arrival: arrival) else { return false }
            if e.kind == .counted {
                // An earlier count (or this one again) changes nothing; a later one, all.
                guard let count = lastCount, (e.at, e.id) <= (count.at, count.id) else { return false }
                return true
            }
            // Stamped before the count: the count is reconciled with it, and it is late if
            // it arrived after the count.
            var before: (count: Count, atCount: Quantity, countArrival: Int64)?
            if let count = lastCount, e.at <= count.at {
                guard let atCount = expectedAtCount, let countArrival else { return false }
                before = (count, atCount, countArrival)
            }
            expected = StockLedger.plus(expected, Quantity(thousandths: e.delta))
            sum(e)
            if let before {
                reconcile(before.count, expectedAtCount: Quantity(thousandths: StockLedger.add(before.atCount.thousandths, e.delta)))
                if arrival > before.countArrival {
                    late.append(e.id)
                    late.sort()
                }
            }
            return true
        }

        /// Adds a movement or consumption to its column (not to `expected`).
        mutating func sum(_ e: Entry) {
            switch e.kind {
            case .received: received = StockLedger.plus(received, e.quantity)
            case .transferredIn: transferredIn = StockLedger.plus(transferredIn, e.quantity)
            case .transferredOut: transferredOut = StockLedger.plus(transferredOut, e.quantity)
            case .returned: returned = StockLedger.plus(returned, e.quantity)
            case .consumed(let ticket):
                consumed = StockLedger.plus(consumed, e.quantity)
                consumedBy[ticket] = StockLedger.plus(consumedBy[ticket] ?? Quantity(0), e.quantity)
            case .writtenOff: writtenOff = StockLedger.plus(writtenOff, e.quantity)
            case .counted: break
            }
        }
    }

    /// Every (location, part) with an entry or a transfer on its way to it.
    public var keys: [Key] {
        Set(entries.keys).union(inTransitTo.keys).sorted()
    }

    /// The reconciliation of `key`; with `since` (Unix ms), what came before it is its
    /// opening and the columns count the period from it.
    public func line(_ key: Key, since: UInt64? = nil) -> Line {
        Self.line(key, entries: (entries[key] ?? [:]).values, inTransit: (inTransitTo[key] ?? [:]).values, since: since)
    }

    /// The line of `key` from its postings as a store keeps them (each with the log
    /// position it arrived at) and what is in transit to it: the same as ``line(_:since:)``
    /// of a ledger that took in the same ops.
    public static func line(_ key: Key, postings: [(posting: Posting, arrival: Int64)], inTransit: [Quantity], since: UInt64? = nil) -> Line {
        line(key, entries: postings.compactMap { Entry($0, arrival: $1) }, inTransit: inTransit, since: since)
    }

    static func line(_ key: Key, entries mine: some Collection<Entry>, inTransit: some Sequence<Quantity>, since: UInt64?) -> Line {
        var line = Line(key: key)
        var opening: Int64 = 0
        var expected: Int64 = 0
        var count: Entry?
        for e in mine {
            if e.kind == .counted {
                if count == nil || (e.at, e.id) > (count!.at, count!.id) { count = e }
                continue
            }
            expected = Self.add(expected, e.delta)
            if let since, e.at < since {
                opening = Self.add(opening, e.delta)
                continue
            }
            line.sum(e)
        }
        line.opening = Quantity(thousandths: opening)
        line.expected = Quantity(thousandths: expected)
        for q in inTransit { line.inTransit = Self.plus(line.inTransit, q) }
        if let count {
            var atCount: Int64 = 0
            for e in mine where e.kind != .counted && e.at <= count.at {
                atCount = Self.add(atCount, e.delta)
                if let arrived = e.arrival, let counted = count.arrival, arrived > counted { line.late.append(e.id) }
            }
            line.reconcile(Count(id: count.id, quantity: count.quantity, at: count.at), expectedAtCount: Quantity(thousandths: atCount))
            line.late.sort()
        }
        return line
    }

    /// The lines of every key, or of one location or part.
    public func lines(location: StockLocation? = nil, part: String? = nil, since: UInt64? = nil) -> [Line] {
        keys.filter { (location == nil || $0.location == location) && (part == nil || $0.part == part) }.map { line($0, since: since) }
    }

    // Sums saturate: a billion-unit cap per movement keeps real ledgers far from the
    // bounds, and a hostile one must not trap.
    public static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    static func plus(_ a: Quantity, _ b: Quantity) -> Quantity { Quantity(thousandths: add(a.thousandths, b.thousandths)) }

    /// −v, saturating: −Int64.min is not an Int64.
    public static func negated(_ v: Int64) -> Int64 { v == .min ? .max : -v }
}
