import FieldModel
import FieldWire
import Foundation
import GRDB

/// One local change in progress: read tickets, record ops. Everything recorded is
/// committed together when the edit's closure returns, or not at all if it throws.
public struct LocalEdit {
    let db: Database
    let store: ReplicaStore
    let now: UInt64
    var maker: OpMaker
    var loaded: [TicketID: Ticket] = [:]
    var lastSeq: [TicketID: Int64] = [:]
    public private(set) var made: [Op] = []

    /// The ticket as it stands, including ops recorded earlier in this edit.
    public mutating func ticket(_ id: TicketID) throws -> Ticket {
        if let t = loaded[id] { return t }
        guard let entry = try store.current(id, db) else {
            throw StoreError(.unknownTicket, "no ticket \(id) on this replica: `fieldsync tickets` lists the ones you have")
        }
        loaded[id] = entry.ticket
        lastSeq[id] = entry.seq
        return entry.ticket
    }

    /// Records an op on `id`; throws (and so records nothing) if the op is not valid.
    @discardableResult
    public mutating func record(_ body: OpBody, on id: TicketID) throws -> Op {
        _ = try ticket(id)
        let op = maker.make(body, on: id, now: now)
        try add(op)
        return op
    }

    /// Records an op on an entity of a kind beyond tickets (an article at central); its
    /// rows are rewritten when the edit commits.
    @discardableResult
    public mutating func record(_ body: any EntityOpBody, on id: EntityID) throws -> Op {
        guard id.kind != .ticket else { throw StoreError(.invalidOp, "\(id) is a ticket's id: record ticket ops on it") }
        let op = maker.make(.entity(EntityOp(body)), on: id, now: now)
        do { try op.validate() } catch { throw StoreError.invalid(error) }
        if let seq = try OpRows.insert(op, payload: OpPayloadCodec.encode(op.body), db) { lastSeq[id] = seq }
        made.append(op)
        return op
    }

    /// Sends a transfer from this replica: its own entity, named after the sending op; with
    /// `arrived`, its receipt is recorded too. Returns the sending op.
    @discardableResult
    public mutating func send(_ sent: StockSent, arrived: Quantity? = nil) throws -> Op {
        let id = StockTransfer.id(sentBy: OpID(replica: maker.replica, counter: maker.nextCounter))
        let op = try record(sent, on: id)
        if let arrived { try record(StockArrived(quantity: arrived), on: id) }
        return op
    }

    /// Creates a ticket on this replica.
    @discardableResult
    public mutating func createTicket(_ created: TicketCreated) throws -> Op {
        let op = maker.createTicket(created, now: now)
        loaded[op.subject] = Ticket(id: op.subject)
        try add(op)
        return op
    }

    private mutating func add(_ op: Op) throws {
        do { try op.validate() } catch { throw StoreError.invalid(error) }
        if let seq = try OpRows.insert(op, payload: OpPayloadCodec.encode(op.body), db) { lastSeq[op.subject] = seq }
        loaded[op.subject]!.apply(op)
        made.append(op)
    }
}

extension ReplicaStore {
    /// Runs `body` as one transaction at time `now` (Unix ms, device clock corrected by
    /// the last measured offset): the ops it records, the tickets they change and the
    /// replica's counter and clock are committed together.
    public func edit<T>(now: UInt64, _ body: (inout LocalEdit) throws -> T) throws(StoreError) -> (T, [Op]) {
        let (result, edit) = try write { db in
            var edit = LocalEdit(db: db, store: self, now: now, maker: try Self.loadMaker(identity.replica, db))
            let result = try body(&edit)
            let subjects = Set(edit.made.map(\.subject))
            var others: [EntityID: Int64] = [:]
            for id in subjects where id.kind != .ticket { others[id] = edit.lastSeq[id] ?? 0 }
            try Self.project(
                tickets: subjects.filter { $0.kind == .ticket }.sorted().map { (edit.loaded[$0]!, edit.lastSeq[$0] ?? 0) },
                consuming: Set(edit.made.filter(\.body.changesConsumption).map(\.subject)), others: others, db)
            try Self.saveMaker(edit.maker, db)
            // The store's own ops go through the same bookkeeping as any replica's: its
            // replica is claimed (no push may use it) and what it holds of it is known.
            try ReplicaProgress.advance(identity.replica, to: edit.maker.nextCounter &- 1, owner: ReplicaProgress.selfOwner, db)
            return (result, edit)
        }
        var committed: [TicketID: TicketCache.Entry] = [:]
        for (id, ticket) in edit.loaded { committed[id] = TicketCache.Entry(ticket: ticket, seq: edit.lastSeq[id] ?? 0) }
        cache.put(committed)
        return (result, edit.made)
    }

    static func loadMaker(_ replica: ReplicaID, _ db: Database) throws -> OpMaker {
        let next = UInt64(try Meta.get(Meta.nextCounter, db) ?? "1") ?? 1
        let wall = UInt64(try Meta.get(Meta.clockWall, db) ?? "0") ?? 0
        let logical = UInt32(try Meta.get(Meta.clockLogical, db) ?? "0") ?? 0
        let clock = HybridClock(replica: replica, last: Timestamp(wallMillis: wall, logical: logical, replica: replica))
        return OpMaker(clock: clock, nextCounter: next)
    }

    static func saveMaker(_ maker: OpMaker, _ db: Database) throws {
        try Meta.set(Meta.nextCounter, String(maker.nextCounter), db)
        try Meta.set(Meta.clockWall, String(maker.clock.last.wallMillis), db)
        try Meta.set(Meta.clockLogical, String(maker.clock.last.logical), db)
    }
}
