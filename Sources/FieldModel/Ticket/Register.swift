/// A multi-value register: one scalar field of a ticket.
///
/// Every write is kept with the ids of the writes it replaced. The live values are the
/// writes no other write replaced: one normally, several after concurrent writes. All
/// live values are shown as a conflict until a write that replaces every one of them
/// settles it. Meanwhile the value with the latest stamp is shown as the winner, so all
/// replicas show the same one.
public struct Register: Hashable, Sendable {
    /// Every write ever seen, by op id.
    public private(set) var writes: [OpID: RegisterValue] = [:]
    /// Ids named as replaced by some write (possibly before that write itself arrived).
    public private(set) var replaced: Set<OpID> = []

    public init() {}

    /// Live values, winner first.
    public var values: [RegisterValue] {
        writes.values.filter { !replaced.contains($0.id) }.sorted { $0.stamp > $1.stamp }
    }

    /// The value shown: the live value with the latest stamp.
    public var winner: RegisterValue? {
        writes.values.lazy.filter { !self.replaced.contains($0.id) }.max { $0.stamp < $1.stamp }
    }

    /// True while concurrent values await a person's decision.
    public var isConflicted: Bool {
        var live = 0
        for id in writes.keys where !replaced.contains(id) {
            live += 1
            if live > 1 { return true }
        }
        return false
    }

    mutating func write(_ value: RegisterValue, replacing ids: [OpID]) {
        writes[value.id] = value
        replaced.formUnion(ids)
    }

    mutating func merge(_ other: Register) {
        writes.merge(other.writes) { mine, _ in mine }
        replaced.formUnion(other.replaced)
    }
}

/// One value written to a register, with the op that wrote it.
public struct RegisterValue: Hashable, Sendable {
    public let id: OpID
    public let stamp: Timestamp
    public let value: String

    public init(id: OpID, stamp: Timestamp, value: String) {
        self.id = id
        self.stamp = stamp
        self.value = value
    }
}
