/// Every ticket a replica holds, derived from the ops it has.
///
/// Applying any set of ops in any order, with duplicates, gives the same state; two
/// states merge by union. ``digest`` tells two replicas whether they agree.
public struct ReplicaState: Hashable, Sendable {
    public private(set) var tickets: [TicketID: Ticket] = [:]

    public init() {}

    /// Applies one op. Ops on subjects that are not tickets are not ticket state and are
    /// ignored here (the store keeps them all).
    public mutating func apply(_ op: Op) {
        guard op.body.isTicketOp else { return }
        tickets[op.subject, default: Ticket(id: op.subject)].apply(op)
    }

    public mutating func apply<S: Sequence>(contentsOf ops: S) where S.Element == Op {
        for op in ops { apply(op) }
    }

    public mutating func merge(_ other: ReplicaState) {
        tickets.merge(other.tickets) { $0.merging($1) }
    }

    public func merging(_ other: ReplicaState) -> ReplicaState {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// SHA-256 over every ticket's digest, in ticket id order.
    public var digest: Digest {
        var h = SHA256()
        for id in tickets.keys.sorted() { h.update(tickets[id]!.digest.bytes) }
        return h.finalize()
    }
}

extension OpBody {
    /// True for the kinds that change a ticket.
    public var isTicketOp: Bool {
        switch self {
        case .unknown: false
        default: true
        }
    }
}
