import FieldModel
import FieldWire
import GRDB

/// What applying a batch of ops changed.
public struct ApplyResult: Sendable, Hashable {
    /// Ops that were new to this replica.
    public var inserted = 0
    /// Ops already stored (a resend): ignored.
    public var duplicates = 0
    /// Tickets whose state changed.
    public var ticketsChanged = 0
}

extension ReplicaStore {
    /// Applies ops from elsewhere in one transaction: each is validated and stored once
    /// (a duplicate is ignored), every touched ticket is re-derived through the model and
    /// its row rewritten, and the replica's clock observes their stamps. `alongside` runs
    /// in the same transaction (a sync cursor, an ack), so both commit or neither does.
    /// `checksums`, when the ops came with them (SPEC §3.9), are one per op in order: an
    /// op whose content does not match its own is refused by name and nothing is stored.
    @discardableResult
    public func apply(_ ops: [Op], checksums: [OpChecksum]? = nil, now: UInt64) throws(StoreError) -> ApplyResult {
        try apply(ops, checksums: checksums, now: now, alongside: nil)
    }

    func apply(
        _ ops: [Op], checksums: [OpChecksum]? = nil, now: UInt64, alongside: ((Database) throws -> Void)?
    ) throws(StoreError) -> ApplyResult {
        for op in ops {
            do { try op.validate() } catch { throw StoreError.invalid(error) }
        }
        var pending: [TicketID: TicketCache.Entry] = [:]
        let result = try write { db in
            let result = try applyInTransaction(ops, checksums: checksums, now: now, db, derived: &pending)
            try alongside?(db)
            return result
        }
        cache.put(pending)
        return result
    }

    /// The body of ``apply(_:now:alongside:)``, for callers already in a write
    /// transaction. `derived` receives the tickets to cache once the transaction commits.
    func applyInTransaction(
        _ ops: [Op], checksums: [OpChecksum]? = nil, now: UInt64, _ db: Database,
        derived: inout [TicketID: TicketCache.Entry]
    ) throws -> ApplyResult {
        if let checksums, checksums.count != ops.count {
            throw StoreError(.damaged, "\(checksums.count) checksums came with \(ops.count) ops: the sync message is damaged, and nothing was stored")
        }
        var result = ApplyResult()
        var maker = try Self.loadMaker(identity.replica, db)
        // Tickets and the log position each is derived up to, mutated in place.
        var tickets: [TicketID: Ticket] = [:]
        var seqs: [TicketID: Int64] = [:]
        var changed: Set<TicketID> = []
        var consuming: Set<TicketID> = []
        var others: [EntityID: Int64] = [:]
        for op in ops where op.body.isTicketOp && tickets[op.subject] == nil {
            let entry = try current(op.subject, db)
            tickets[op.subject] = entry?.ticket ?? Ticket(id: op.subject)
            seqs[op.subject] = entry?.seq ?? 0
        }
        for (i, op) in ops.enumerated() {
            if let seq = try OpRows.insert(op, payload: OpPayloadCodec.encode(op.body), sent: checksums?[i], db) {
                result.inserted += 1
                if op.body.isTicketOp {
                    tickets[op.subject]!.apply(op)
                    seqs[op.subject] = seq
                    changed.insert(op.subject)
                    if op.body.changesConsumption { consuming.insert(op.subject) }
                } else if op.subject.kind != .ticket {
                    others[op.subject] = seq
                }
                maker.observe(op.stamp, now: now)
                if op.id.replica == identity.replica { maker.skip(past: op.id.counter) }
            } else {
                result.duplicates += 1
            }
        }
        try Self.project(tickets: changed.sorted().map { (tickets[$0]!, seqs[$0] ?? 0) }, consuming: consuming, others: others, db)
        result.ticketsChanged = changed.count
        try Self.saveMaker(maker, db)
        for (id, ticket) in tickets { derived[id] = TicketCache.Entry(ticket: ticket, seq: seqs[id] ?? 0) }
        return result
    }

    /// Re-derives, in the writing transaction, what depends on changed entities: each
    /// changed ticket's row (with the op-log position it is derived up to), other kinds'
    /// projections, and the scope they decide. Tickets in id order, so scope positions do
    /// not depend on a set's order.
    /// `consuming`: the tickets whose part lines changed, whose stock consumption is rewritten.
    static func project(tickets: [(Ticket, Int64)], consuming: Set<TicketID>, others: [EntityID: Int64], _ db: Database) throws {
        var changes: [(ticket: Ticket, seq: Int64, newlyAssigned: Bool)] = []
        for (ticket, seq) in tickets {
            changes.append((ticket, seq, try TicketRows.save(ticket, seq: seq, db)))
            if consuming.contains(ticket.id) { try StockRows.ticketChanged(ticket, db) }
        }
        try EntityProjections.refresh(Set(others.keys), db)
        try EntityScope.namedChanged(others.filter { $0.key.kind != Article.kind }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, db)
        try EntityScope.ticketsChanged(changes, db)
        try EntityScope.articlesChanged(
            others.filter { $0.key.kind == Article.kind }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, db)
    }
}
