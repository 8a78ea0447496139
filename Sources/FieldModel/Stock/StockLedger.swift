/// What every location holds of every part, derived from the stock movements and the
/// tickets' part lines (consumption), kept as ops arrive: each op changes the entries of
/// one (location, part) and nothing is recomputed beyond it.
///
/// Expected on hand = received + transferred in − transferred out − consumed − written
/// off. It may go negative (flagged, never clamped). The ledger is order-independent:
/// every entry is kept by the id of the op that made it, a removed part line is
/// remembered before or after its line arrives, so any order of the same ops, with
/// duplicates, gives the same ledger. Only ``Line/late`` depends on arrival, which the
/// caller gives (a store's log position).
public struct StockLedger: Hashable, Sendable {
    /// One location's stock of one part.
    public struct Key: Hashable, Comparable, Sendable {
        public let location: StockLocation
        public let part: String

        public init(location: StockLocation, part: String) {
            self.location = location
            self.part = part
        }

        public static func < (a: Key, b: Key) -> Bool { (a.location, a.part) < (b.location, b.part) }
    }

    /// Where an entry was put.
    struct Placed: Hashable, Sendable {
        let key: Key
        let id: OpID
    }

    /// One entry of a key: a movement's effect, a ticket's consumption or a count.
    struct Entry: Hashable, Sendable {
        enum Kind: Hashable, Sendable {
            case received, transferredIn, transferredOut, returned, consumed(TicketID), writtenOff, counted
        }

        let id: OpID
        let kind: Kind
        let quantity: Quantity
        let at: UInt64
        let arrival: Int64?

        /// What it adds to the expected quantity (thousandths).
        var delta: Int64 {
            switch kind {
            case .received, .transferredIn: quantity.thousandths
            case .transferredOut, .returned, .consumed, .writtenOff: StockLedger.negated(quantity.thousandths)
            case .counted: 0
            }
        }

        init(id: OpID, kind: Kind, quantity: Quantity, at: UInt64, arrival: Int64?) {
            self.id = id
            self.kind = kind
            self.quantity = quantity
            self.at = at
            self.arrival = arrival
        }

        /// A posting as a store keeps it; nil for consumption without its ticket (a store
        /// writes every consumption with one).
        init?(_ p: Posting, arrival: Int64) {
            let kind: Kind
            switch p.kind {
            case .received: kind = .received
            case .transferredIn: kind = .transferredIn
            case .transferredOut: kind = .transferredOut
            case .returned: kind = .returned
            case .consumed:
                guard let ticket = p.ticket else { return nil }
                kind = .consumed(ticket)
            case .writtenOff: kind = .writtenOff
            case .counted: kind = .counted
            }
            self.init(id: p.id, kind: kind, quantity: p.quantity, at: p.at, arrival: arrival)
        }
    }

    private(set) var entries: [Key: [OpID: Entry]] = [:]
    /// Every transfer, as its ops so far make it.
    public private(set) var transfers: [EntityID: StockTransfer] = [:]
    /// The entries each transfer made, to take back when it changes.
    private var transferEntries: [EntityID: [Placed]] = [:]
    /// What is on its way to each key: transfers sent and not confirmed, by transfer
    /// (kept here so a line does not scan every transfer).
    private(set) var inTransitTo: [Key: [EntityID: Quantity]] = [:]
    /// Where transfer ops arrived, for their entries' lateness.
    private var transferArrivals: [OpID: Int64] = [:]
    /// A part line of a ticket: a removal takes back a line of its own ticket only, as
    /// the ticket's state does (a removal on another ticket names nothing there).
    struct LineRef: Hashable, Sendable {
        let ticket: TicketID
        let line: OpID
    }

    /// Part lines removed, whether or not their line arrived yet.
    private var removedLines: Set<LineRef> = []
    /// Where each part line went, so its removal finds it.
    private var lineKeys: [LineRef: Key] = [:]
    /// Part lines whose location names no stock location (free text from before
    /// locations were checked): kept out of the ledger, counted here.
    public var unlocatedLines: Set<OpID> { Set(unlocated.map(\.line)) }
    private var unlocated: Set<LineRef> = []

    public init() {}

    /// The ledger of these states: every location's movements, every transfer and every
    /// ticket's lines.
    public init(stock: some Sequence<Stock>, transfers: some Sequence<StockTransfer>, tickets: some Sequence<Ticket>) {
        for s in stock {
            guard let location = s.location else { continue }
            for m in s.movements.values { record(m.id, m.stamp, m.body, at: location, arrival: nil) }
        }
        for t in transfers {
            self.transfers[t.id] = t
            placeTransfer(t.id)
        }
        for t in tickets {
            for line in t.partEntries.values { addLine(line.id, line.line, ticket: t.id, at: line.stamp.wallMillis, arrival: nil) }
            for removed in t.removedLines { removeLine(LineRef(ticket: t.id, line: removed)) }
        }
    }

    /// Takes in one op: a stock movement, or a ticket's part line or its removal; any
    /// other op changes nothing. `arrival`: where the op arrived (a log position), for
    /// ``Line/late``.
    public mutating func apply(_ op: Op, arrival: Int64? = nil) {
        switch op.body {
        case .partAdded(let line):
            addLine(op.id, line, ticket: op.subject, at: op.stamp.wallMillis, arrival: arrival)
        case .partRemoved(let removal):
            removeLine(LineRef(ticket: op.subject, line: removal.line))
        case .entity:
            if op.subject.kind == StockTransfer.kind, StockTransfer.derives(from: op) {
                transfers[op.subject, default: StockTransfer(id: op.subject)].apply(op)
                if let arrival, transferArrivals[op.id] == nil { transferArrivals[op.id] = arrival }
                placeTransfer(op.subject)
            } else if let location = StockLocation(entity: op.subject), let body = Stock.movement(op) {
                record(op.id, op.stamp, body, at: location, arrival: arrival)
            }
        default:
            return
        }
    }

    private mutating func record(_ id: OpID, _ stamp: Timestamp, _ body: Stock.Movement.Body, at location: StockLocation, arrival: Int64?) {
        let at = stamp.wallMillis
        switch body {
        case .received(let m):
            put(Entry(id: id, kind: .received, quantity: m.quantity, at: at, arrival: arrival), Key(location: location, part: m.part))
        case .writtenOff(let m):
            put(Entry(id: id, kind: .writtenOff, quantity: m.quantity, at: at, arrival: arrival), Key(location: location, part: m.part))
        case .counted(let m):
            put(Entry(id: id, kind: .counted, quantity: m.quantity, at: m.at, arrival: arrival), Key(location: location, part: m.part))
        }
    }

    /// Takes back a transfer's entries and puts them again from its state: out of the
    /// source at the sending, into the destination at the confirmation that counts.
    private mutating func placeTransfer(_ id: EntityID) {
        for old in transferEntries.removeValue(forKey: id) ?? [] { drop(old.id, old.key) }
        guard let t = transfers[id], let sent = t.sent else { return }
        let m = sent.body
        let destination = Key(location: m.to, part: m.part)
        if t.inTransit {
            inTransitTo[destination, default: [:]][id] = m.quantity
        } else if inTransitTo[destination]?.removeValue(forKey: id) != nil, inTransitTo[destination]?.isEmpty == true {
            inTransitTo[destination] = nil
        }
        var made: [Placed] = []
        let from = Key(location: m.from, part: m.part)
        entries[from, default: [:]][sent.op] = Entry(
            id: sent.op, kind: m.purpose == .return ? .returned : .transferredOut, quantity: m.quantity, at: sent.stamp.wallMillis,
            arrival: transferArrivals[sent.op])
        made.append(Placed(key: from, id: sent.op))
        if let arrival = t.arrival {
            let to = Key(location: m.to, part: m.part)
            entries[to, default: [:]][arrival.op] = Entry(
                id: arrival.op, kind: .transferredIn, quantity: arrival.quantity, at: arrival.stamp.wallMillis, arrival: transferArrivals[arrival.op])
            made.append(Placed(key: to, id: arrival.op))
        }
        transferEntries[id] = made
    }

    private mutating func addLine(_ id: OpID, _ line: PartLine, ticket: TicketID, at: UInt64, arrival: Int64?) {
        let ref = LineRef(ticket: ticket, line: id)
        guard !removedLines.contains(ref) else { return }
        guard let location = StockLocation(line.location) else {
            unlocated.insert(ref)
            return
        }
        let key = Key(location: location, part: line.partNumber)
        lineKeys[ref] = key
        put(Entry(id: id, kind: .consumed(ticket), quantity: line.quantity, at: at, arrival: arrival), key)
    }

    private mutating func removeLine(_ ref: LineRef) {
        removedLines.insert(ref)
        unlocated.remove(ref)
        if let key = lineKeys.removeValue(forKey: ref) { drop(ref.line, key) }
    }

    /// Takes an entry back; a key left with none is gone, as if it never had one.
    private mutating func drop(_ id: OpID, _ key: Key) {
        entries[key]?[id] = nil
        if entries[key]?.isEmpty == true { entries[key] = nil }
    }

    private mutating func put(_ entry: Entry, _ key: Key) {
        // A resent op changes nothing: the first arrival is the one that counts.
        if entries[key]?[entry.id] == nil { entries[key, default: [:]][entry.id] = entry }
    }
}
