/// One event in a ticket's timeline: its creation or a lifecycle step.
public struct TimelineEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable, CustomStringConvertible {
        case created
        case step(LifecycleKind)

        public var description: String {
            switch self {
            case .created: "created"
            case .step(let k): k.description
            }
        }
    }

    public let id: OpID
    public let stamp: Timestamp
    public let kind: Kind
    /// Device wall time (Unix ms), as the person's device recorded it.
    public let at: UInt64
    /// Timeline events its author had seen last.
    public let after: [OpID]
    public let assignee: String?
    public let position: Position?
    public let reason: String?

    /// The status this event puts the ticket in.
    public var status: TicketStatus {
        switch kind {
        case .created: (assignee ?? "").isEmpty ? .new : .assigned
        case .step(let step): step.status
        }
    }
}
