/// Where a ticket stands, derived from its timeline.
public enum TicketStatus: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Ops of the ticket arrived before the op that created it.
    case unknown
    case new
    case assigned
    case accepted
    case enRoute = "en-route"
    case onSite = "on-site"
    case paused
    case completed
    case cancelled
    case closed
    case reopened

    public var description: String { rawValue }
}
