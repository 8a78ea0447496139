/// The state a replica derives for one entity of one kind from the ops on it.
///
/// Every kind keeps the laws ``ReplicaState`` promises: applying ops in any order, with
/// duplicates, gives the same state, and two states merge by union. A new kind is a
/// type conforming to this, registered once in ``EntityKinds``.
public protocol EntityState: Hashable, Sendable {
    /// The kind of entity this state is for.
    static var kind: EntityKind { get }
    /// Whether `op` is one this kind derives state from (others on its entities, of a
    /// kind of op this version does not know, are kept by the store and change nothing).
    static func derives(from op: Op) -> Bool
    init(id: EntityID)
    var id: EntityID { get }
    /// Applies one op on this entity; an op this kind has no meaning for changes nothing.
    mutating func apply(_ op: Op)
    /// The union of two states of the same entity.
    func merging(_ other: Self) -> Self
    /// SHA-256 of the state's canonical form: equal digests, equal states.
    var digest: Digest { get }
}

extension Ticket: EntityState {
    public static var kind: EntityKind { .ticket }
    public static func derives(from op: Op) -> Bool { op.body.isTicketOp }
}
