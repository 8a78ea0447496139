/// A hybrid logical clock (Kulkarni et al., 2014) for one replica.
///
/// Time is passed in (`now`, Unix milliseconds): the model reads no clock itself.
///
/// - `tick(now:)` (send or local event): the stamp's wall part is `max(last.wall, now)`;
///   if that does not advance the wall part, the logical counter does. Stamps from one
///   replica therefore strictly increase even when its wall clock steps backwards.
/// - `observe(_:now:)` (receive): the clock moves to `max(last, remote, now)`, so every
///   later local stamp is ordered after everything this replica has seen.
///
/// ## Clock skew
/// A device whose clock is hours off is neither rejected nor made to win every conflict:
/// - Whether two writes conflict is decided by the predecessors each write names, never
///   by clocks; concurrent values are all kept and listed until a person settles them.
///   A skewed clock can at most change which of the listed values is shown meanwhile.
/// - A clock running *behind* is harmless: once the device has observed others' stamps
///   (every sync does), the max rule orders its new stamps after everything it saw.
/// - A clock running *ahead* is bounded: `observe` adopts a remote wall time at most
///   ``maxForwardDrift`` past the local `now`, so one fast device cannot drag every
///   replica's clock (and every later stamp) hours into the future; the node refuses ops
///   stamped more than ``maxForwardDrift`` past its own clock, and the client stamps with
///   its device clock corrected by the offset the node measured at the last sync, so an
///   engineer whose device is hours fast still gets stamps close to the node's time.
public struct HybridClock: Sendable {
    /// How far past the receiver's own clock a stamp may be and still be adopted: 10 min.
    public static let maxForwardDrift: UInt64 = 10 * 60 * 1000

    public let replica: ReplicaID
    public private(set) var last: Timestamp

    public init(replica: ReplicaID, last: Timestamp? = nil) {
        self.replica = replica
        self.last = last ?? Timestamp(wallMillis: 0, logical: 0, replica: replica)
    }

    /// Returns a new stamp for a local event, strictly after every stamp this clock has
    /// produced or observed.
    public mutating func tick(now: UInt64) -> Timestamp {
        let next: Timestamp
        let second = WholeSeconds.floor(now)
        if second > last.wallMillis {
            next = Timestamp(wallMillis: second, logical: 0, replica: replica)
        } else if last.logical == .max {
            next = Timestamp(wallMillis: last.wallMillis + 1000, logical: 0, replica: replica)
        } else {
            next = Timestamp(wallMillis: last.wallMillis, logical: last.logical + 1, replica: replica)
        }
        last = next
        return next
    }

    /// Takes in a stamp seen in an op from elsewhere. A stamp more than
    /// ``maxForwardDrift`` ahead of `now` moves this clock only to `now + maxForwardDrift`.
    public mutating func observe(_ remote: Timestamp, now: UInt64) {
        let ceiling = now &+ Self.maxForwardDrift
        let bounded =
            remote.wallMillis > ceiling
            ? Timestamp(wallMillis: ceiling, logical: 0, replica: remote.replica) : remote
        guard bounded.wallMillis > last.wallMillis
            || (bounded.wallMillis == last.wallMillis && bounded.logical > last.logical)
        else { return }
        last = Timestamp(wallMillis: bounded.wallMillis, logical: bounded.logical, replica: replica)
    }
}
