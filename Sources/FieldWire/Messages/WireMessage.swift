import FieldModel

/// One sync message (Protocol/SPEC.md §3). A frame carries one or more of them; a
/// sync request is typically `[hello, push, pullRequest]` and its answer
/// `[hello, pushAck, pullPage]`, so a sync is one round trip.
public enum WireMessage: Hashable, Sendable {
    case hello(Hello)
    case push(Push)
    case pushAck(PushAck)
    case pullRequest(PullRequest)
    case pullPage(PullPage)
    case error(ErrorMessage)
    /// A message type this version does not know, skipped by its length (SPEC §3.8).
    case unknown(type: UInt8, body: [UInt8])

    /// Message type codes.
    public enum TypeCode: UInt8, Sendable {
        case hello = 0x01  // SPEC §3.2
        case push = 0x02  // SPEC §3.3
        case pushAck = 0x03  // SPEC §3.4
        case pullRequest = 0x04  // SPEC §3.5
        case pullPage = 0x05  // SPEC §3.6
        case error = 0x06  // SPEC §3.7
    }
}

/// What each side says first: who it is, what it holds, and its clock.
public struct Hello: Hashable, Sendable {
    public var replica: ReplicaID
    /// For each replica, the highest counter up to which the sender holds every op.
    public var have: VersionVector
    /// The sender's wall clock (Unix ms) when it sent this, to measure clock offsets.
    public var clock: UInt64
    /// A node's incarnation: new at each start, so a device learns that the node may have
    /// been restored from a backup and checks again what it holds (SPEC §3.2). Empty from
    /// devices, and from nodes that predate it.
    public var incarnation: String

    public init(replica: ReplicaID, have: VersionVector = VersionVector(), clock: UInt64, incarnation: String = "") {
        self.replica = replica
        self.have = have
        self.clock = clock
        self.incarnation = incarnation
    }
}

/// Ops the receiver has not acknowledged.
public struct Push: Hashable, Sendable {
    public var ops: [Op]
    public init(ops: [Op]) { self.ops = ops }
}

/// What the node now holds of each pushed replica: every op up to `acked[replica]`,
/// committed before this was sent.
public struct PushAck: Hashable, Sendable {
    public var acked: VersionVector
    public init(acked: VersionVector) { self.acked = acked }
}

/// Asks for ops in the sender's scope stored after `cursor`.
public struct PullRequest: Hashable, Sendable {
    /// Opaque to the client: what the node gave as `nextCursor` last time (empty at first).
    public var cursor: [UInt8]
    public var maxOps: UInt64
    public init(cursor: [UInt8], maxOps: UInt64) {
        self.cursor = cursor
        self.maxOps = maxOps
    }
}

/// A page of ops, the cursor to continue from, and whether more remain.
public struct PullPage: Hashable, Sendable {
    public var ops: [Op]
    public var nextCursor: [UInt8]
    public var more: Bool
    public init(ops: [Op], nextCursor: [UInt8], more: Bool) {
        self.ops = ops
        self.nextCursor = nextCursor
        self.more = more
    }
}

/// A refusal: a machine-readable code and a message for a person.
public struct ErrorMessage: Hashable, Sendable {
    public var code: ErrorCode
    public var message: String
    public init(code: ErrorCode, message: String) {
        self.code = code
        self.message = message
    }
}

/// Error codes of the protocol (SPEC §5). Unknown codes from newer peers are kept.
public struct ErrorCode: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let malformed = ErrorCode(rawValue: 1)
    public static let unsupportedVersion = ErrorCode(rawValue: 2)
    public static let tooLarge = ErrorCode(rawValue: 3)
    public static let unauthorized = ErrorCode(rawValue: 4)
    public static let forbidden = ErrorCode(rawValue: 5)
    public static let counterGap = ErrorCode(rawValue: 6)
    public static let futureStamp = ErrorCode(rawValue: 7)
    public static let conflictingOp = ErrorCode(rawValue: 8)
    public static let invalidOp = ErrorCode(rawValue: 9)
    public static let internalError = ErrorCode(rawValue: 10)
    /// HTTP refusals outside a frame's decoding (SPEC §5, §7): each HTTP status the node
    /// answers has one code, so a client reads every refusal the same way.
    public static let notFound = ErrorCode(rawValue: 11)
    public static let methodNotAllowed = ErrorCode(rawValue: 12)
    public static let rangeNotSatisfiable = ErrorCode(rawValue: 13)
    public static let conflict = ErrorCode(rawValue: 14)
    public static let hashMismatch = ErrorCode(rawValue: 15)
    public static let quota = ErrorCode(rawValue: 16)
    public static let timeout = ErrorCode(rawValue: 17)
    /// The node holds less than the device of other replicas: it was restored from a
    /// backup; the device gives back what it lacks first (SPEC §9.4).
    public static let behind = ErrorCode(rawValue: 18)

    public static let names: [UInt64: String] = [
        1: "malformed", 2: "unsupported-version", 3: "too-large", 4: "unauthorized", 5: "forbidden",
        6: "counter-gap", 7: "future-stamp", 8: "conflicting-op", 9: "invalid-op", 10: "internal",
        11: "not-found", 12: "method-not-allowed", 13: "range-not-satisfiable", 14: "conflict", 15: "hash-mismatch",
        16: "quota", 17: "timeout", 18: "behind",
    ]

    public var description: String { Self.names[rawValue] ?? "error-\(rawValue)" }
}
