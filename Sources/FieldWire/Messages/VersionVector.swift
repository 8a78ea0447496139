import FieldModel

/// For each replica, the highest counter up to which every op is held. Because
/// counters are contiguous, this one number per replica says exactly what is held.
public struct VersionVector: Hashable, Sendable {
    public private(set) var counters: [ReplicaID: UInt64]

    public init(_ counters: [ReplicaID: UInt64] = [:]) { self.counters = counters.filter { $0.value > 0 } }

    public subscript(_ replica: ReplicaID) -> UInt64 {
        get { counters[replica] ?? 0 }
        set { counters[replica] = newValue == 0 ? nil : newValue }
    }

    /// Replicas in canonical (sorted) order.
    public var sorted: [(ReplicaID, UInt64)] { counters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
}
