/// A hybrid logical clock stamp: wall time (Unix ms, whole seconds), a logical
/// counter that orders events within the same millisecond (or while the wall clock lags
/// a time already seen), and the replica as the final tie-breaker.
///
/// Stamps are totally ordered, so "the latest" is the same on every replica. They order
/// notes and timeline events and pick which concurrent register value is *shown*; they
/// never decide whether two writes are concurrent (predecessors do, see ``Register``).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let wallMillis: UInt64
    public let logical: UInt32
    public let replica: ReplicaID

    /// `wallMillis` is rounded down to a whole second (see ``WholeSeconds``).
    public init(wallMillis: UInt64, logical: UInt32, replica: ReplicaID) {
        self.wallMillis = WholeSeconds.floor(wallMillis)
        self.logical = logical
        self.replica = replica
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        if lhs.wallMillis != rhs.wallMillis { return lhs.wallMillis < rhs.wallMillis }
        if lhs.logical != rhs.logical { return lhs.logical < rhs.logical }
        return lhs.replica < rhs.replica
    }

    public var description: String { "\(wallMillis).\(logical)@\(replica)" }
}
