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
    /// its row rewritten, and the replica's clock observes their stamps.
    @discardableResult
    public func apply(_ ops: [Op], now: UInt64) throws(StoreError) -> ApplyResult {
        for op in ops {
            do { try op.validate() } catch { throw StoreError.invalid(error) }
        }
        return try write { db in
            var result = ApplyResult()
            var maker = try Self.loadMaker(identity.replica, db)
            var tickets: [TicketID: Ticket] = [:]
            for op in ops where op.body.isTicketOp && tickets[op.subject] == nil {
                var t = Ticket(id: op.subject)
                for old in try OpRows.ops(of: op.subject, db) { t.apply(old) }
                tickets[op.subject] = t
            }
            for op in ops {
                if try OpRows.insert(op, payload: OpPayloadCodec.encode(op.body), db) {
                    result.inserted += 1
                    if op.body.isTicketOp { tickets[op.subject]!.apply(op) }
                    maker.observe(op.stamp, now: now)
                } else {
                    result.duplicates += 1
                }
            }
            for t in tickets.values {
                try TicketRows.save(t, db)
                result.ticketsChanged += 1
            }
            try Self.saveMaker(maker, db)
            return result
        }
    }
}
