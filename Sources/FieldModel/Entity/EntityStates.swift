/// Every entity of one kind a replica holds, by id, behind one type for all kinds (the
/// kind's state type is only known at run time, from ``EntityKinds``).
struct EntityStates: Hashable, Sendable {
    private(set) var byID: [EntityID: AnyEntity] = [:]
    let type: any EntityState.Type

    init(_ type: any EntityState.Type) { self.type = type }

    mutating func apply(_ op: Op) {
        if byID[op.subject] == nil { byID[op.subject] = AnyEntity(type.init(id: op.subject)) }
        byID[op.subject]!.apply(op)
    }

    mutating func merge(_ other: EntityStates) {
        byID.merge(other.byID) { $0.merging($1) }
    }

    static func == (a: EntityStates, b: EntityStates) -> Bool { a.type.kind == b.type.kind && a.byID == b.byID }
    func hash(into h: inout Hasher) {
        h.combine(type.kind)
        h.combine(byID)
    }
}

/// One entity's state of any kind.
struct AnyEntity: Hashable, Sendable {
    private(set) var base: any EntityState

    init(_ base: any EntityState) { self.base = base }

    mutating func apply(_ op: Op) { base.apply(op) }

    func merging(_ other: AnyEntity) -> AnyEntity {
        func merge<S: EntityState>(_ a: S) -> any EntityState {
            guard let b = other.base as? S else { return a }
            return a.merging(b)
        }
        return AnyEntity(merge(base))
    }

    static func == (a: AnyEntity, b: AnyEntity) -> Bool { AnyHashable(a.base) == AnyHashable(b.base) }
    func hash(into h: inout Hasher) { h.combine(AnyHashable(base)) }
}
