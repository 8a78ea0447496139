/// Makes this replica's ops: the next counter and a fresh clock stamp for each.
///
/// The caller persists ``nextCounter`` and ``clock`` with the ops it makes, in the same
/// transaction, so a crash can never reuse a counter.
public struct OpMaker: Sendable {
    public private(set) var clock: HybridClock
    /// The counter the next op will get (counters start at 1).
    public private(set) var nextCounter: UInt64

    public var replica: ReplicaID { clock.replica }

    public init(clock: HybridClock, nextCounter: UInt64 = 1) {
        self.clock = clock
        self.nextCounter = max(1, nextCounter)
    }

    /// Returns a new op on `subject` with the next counter, stamped at `now`.
    public mutating func make(_ body: OpBody, on subject: EntityID, now: UInt64) -> Op {
        let stamp = clock.tick(now: now)
        let op = Op(id: OpID(replica: replica, counter: nextCounter), stamp: stamp, subject: subject, body: body)
        nextCounter += 1
        return op
    }

    /// Makes a ticket-created op; the ticket's id comes from the op id.
    public mutating func createTicket(_ created: TicketCreated, now: UInt64) -> Op {
        let id = EntityID.ticket(createdBy: OpID(replica: replica, counter: nextCounter))
        return make(.ticketCreated(created), on: id, now: now)
    }

    /// Takes note of an op of this replica that came back from elsewhere (a restored
    /// replica pulling its own history): the next counter must be past it.
    public mutating func skip(past counter: UInt64) {
        if counter >= nextCounter { nextCounter = counter &+ 1 }
    }

    /// Takes in a stamp from another replica's op (see ``HybridClock/observe(_:now:)``).
    public mutating func observe(_ stamp: Timestamp, now: UInt64) {
        clock.observe(stamp, now: now)
    }
}
