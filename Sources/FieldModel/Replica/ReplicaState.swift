/// Every entity a replica holds, of every kind it knows (``EntityKinds``), derived from
/// the ops it has: each op goes to the state of its subject's kind.
///
/// Applying any set of ops in any order, with duplicates, gives the same state; two
/// states merge by union. ``digest`` tells two replicas whether they agree.
public struct ReplicaState: Hashable, Sendable {
    private var kinds: [EntityKind: EntityStates] = [:]

    public init() {}

    /// Every ticket.
    public var tickets: [TicketID: Ticket] { entities(Ticket.self) }

    /// Every entity of the kind `type` is the state of.
    public func entities<S: EntityState>(_ type: S.Type) -> [EntityID: S] {
        (kinds[S.kind]?.byID ?? [:]).compactMapValues { $0.base as? S }
    }

    /// Applies one op. An op on an entity of a kind this version does not know, or one
    /// its kind derives nothing from, changes nothing here (the store keeps them all).
    public mutating func apply(_ op: Op) {
        guard let type = EntityKinds.state(of: op.subject.kind), type.derives(from: op) else { return }
        kinds[type.kind, default: EntityStates(type)].apply(op)
    }

    public mutating func apply<S: Sequence>(contentsOf ops: S) where S.Element == Op {
        for op in ops { apply(op) }
    }

    public mutating func merge(_ other: ReplicaState) {
        kinds.merge(other.kinds) { a, b in
            var merged = a
            merged.merge(b)
            return merged
        }
    }

    public func merging(_ other: ReplicaState) -> ReplicaState {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// SHA-256 over every entity's digest, in kind order, then id order within a kind.
    public var digest: Digest {
        var h = SHA256()
        for kind in kinds.keys.sorted() {
            let byID = kinds[kind]!.byID
            for id in byID.keys.sorted() { h.update(byID[id]!.base.digest.bytes) }
        }
        return h.finalize()
    }
}

extension OpBody {
    /// True for the kinds that change a ticket.
    public var isTicketOp: Bool {
        switch self {
        case .entity, .unknown: false
        default: true
        }
    }

    /// Whether it changes what a ticket consumed from stock (a part line added or removed).
    public var changesConsumption: Bool {
        switch self {
        case .partAdded, .partRemoved: true
        default: false
        }
    }
}
