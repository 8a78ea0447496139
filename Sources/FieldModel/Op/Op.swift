/// One change, made once by one replica and replicated everywhere unchanged.
///
/// Applying the same set of ops in any order, any number of times, gives the same state
/// (see ``ReplicaState``). An op whose kind this version does not know is kept as
/// ``OpBody/unknown(_:)`` and forwarded as it came: newer replicas may rely on it.
public struct Op: Hashable, Sendable {
    public let id: OpID
    /// When the op was made, by the hybrid clock of `id.replica`.
    public let stamp: Timestamp
    /// What the op changes: for ticket ops, the ticket id.
    public let subject: EntityID
    public let body: OpBody

    /// Creates an op. The stamp's replica is always the id's replica.
    public init(id: OpID, wallMillis: UInt64, logical: UInt32, subject: EntityID, body: OpBody) {
        self.id = id
        self.stamp = Timestamp(wallMillis: wallMillis, logical: logical, replica: id.replica)
        self.subject = subject
        self.body = body
    }

    public init(id: OpID, stamp: Timestamp, subject: EntityID, body: OpBody) {
        self.init(id: id, wallMillis: stamp.wallMillis, logical: stamp.logical, subject: subject, body: body)
    }
}
