/// The globally unique id of an op: the replica that made it and that replica's counter.
///
/// Counters start at 1 and are contiguous per replica, so "every op of replica R up to
/// counter N" is a complete description of what a peer has seen of R (sync relies on it).
/// Written as `counter@replica`, e.g. `12@e17-tablet`.
public struct OpID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let replica: ReplicaID
    public let counter: UInt64

    public init(replica: ReplicaID, counter: UInt64) {
        self.replica = replica
        self.counter = counter
    }

    /// Parses `counter@replica`; nil if the text is not of that form.
    public init?(_ text: String) {
        guard let at = text.firstIndex(of: "@"),
            let counter = UInt64(text[..<at]), counter > 0,
            let replica = ReplicaID(String(text[text.index(after: at)...]))
        else { return nil }
        self.init(replica: replica, counter: counter)
    }

    /// Orders by replica, then counter: an arbitrary but total order used for canonical
    /// encodings, never to decide which write wins (that is ``Timestamp``'s job).
    public static func < (lhs: OpID, rhs: OpID) -> Bool {
        if lhs.replica != rhs.replica { return lhs.replica < rhs.replica }
        return lhs.counter < rhs.counter
    }

    public var description: String { "\(counter)@\(replica)" }
}
