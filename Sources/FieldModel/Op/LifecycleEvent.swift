/// A step in a ticket's life, kept in its timeline. The current status is derived.
public struct LifecycleEvent: Hashable, Sendable {
    public let kind: LifecycleKind
    /// Device wall time when it happened (Unix ms), shown in the timeline.
    public let at: UInt64
    /// The timeline events its author had seen last (the heads), sorted: events that
    /// name each other are ordered, events that do not are concurrent.
    public let after: [OpID]
    /// For `.assigned`: the engineer; also a write to the `assignee` field.
    public let assignee: String?
    /// For `.assigned`: the assignee values this assignment replaces.
    public let replaces: [OpID]
    /// For `.arrived`: where.
    public let position: Position?
    /// Free text: why paused, cancelled or reopened.
    public let reason: String?

    public init(
        kind: LifecycleKind, at: UInt64, after: [OpID], assignee: String? = nil, replaces: [OpID] = [],
        position: Position? = nil, reason: String? = nil
    ) {
        self.kind = kind
        self.at = WholeSeconds.floor(at)
        self.after = after.sorted()
        self.assignee = assignee
        self.replaces = replaces.sorted()
        self.position = position
        self.reason = reason
    }
}

/// Lifecycle steps, with their wire codes.
public enum LifecycleKind: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case assigned = 1
    case accepted = 2
    case departed = 3
    case arrived = 4
    case paused = 5
    case resumed = 6
    case completed = 7
    case cancelled = 8
    case closed = 9
    case reopened = 10

    /// The status a ticket is in right after this step.
    public var status: TicketStatus {
        switch self {
        case .assigned: .assigned
        case .accepted: .accepted
        case .departed: .enRoute
        case .arrived, .resumed: .onSite
        case .paused: .paused
        case .completed: .completed
        case .cancelled: .cancelled
        case .closed: .closed
        case .reopened: .reopened
        }
    }

    public var description: String {
        switch self {
        case .assigned: "assigned"
        case .accepted: "accepted"
        case .departed: "departed"
        case .arrived: "arrived"
        case .paused: "paused"
        case .resumed: "resumed"
        case .completed: "completed"
        case .cancelled: "cancelled"
        case .closed: "closed"
        case .reopened: "reopened"
        }
    }
}

/// Where an engineer was: WGS84 degrees and the fix's accuracy in metres.
///
/// Degrees are kept to 1e-7 (about 1 cm) and accuracy to 0.1 m, rounded when the
/// position is made, so every replica holds exactly the value the wire carries as an
/// integer (Protocol/SPEC.md) and no replica keeps extra digits the others lack.
public struct Position: Hashable, Sendable {
    public static let degreeScale = 10_000_000.0
    public static let accuracyScale = 10.0
    /// A fix worse than 1,000 km says nothing of where the engineer was; past it the
    /// value is refused rather than carried (it comes from outside as any 64-bit number).
    public static let maxAccuracyMetres = 1_000_000.0

    public let latitude: Double
    public let longitude: Double
    public let accuracyMetres: Double?

    public init(latitude: Double, longitude: Double, accuracyMetres: Double? = nil) {
        self.latitude = Self.round(latitude, Self.degreeScale)
        self.longitude = Self.round(longitude, Self.degreeScale)
        self.accuracyMetres = accuracyMetres.map { Self.round($0, Self.accuracyScale) }
    }

    private static func round(_ v: Double, _ scale: Double) -> Double {
        v.isFinite && abs(v) < 1e9 ? (v * scale).rounded() / scale : v
    }

    public var isValid: Bool {
        latitude.isFinite && longitude.isFinite && (-90...90).contains(latitude)
            && (-180...180).contains(longitude)
            && (accuracyMetres.map { $0.isFinite && $0 >= 0 && $0 <= Self.maxAccuracyMetres } ?? true)
    }
}
