/// What an op does. Kinds are an open set: see ``OpKind`` and ``UnknownOp``.
public enum OpBody: Hashable, Sendable {
    case ticketCreated(TicketCreated)
    case fieldSet(FieldWrite)
    case lifecycle(LifecycleEvent)
    case note(Note)
    case partAdded(PartLine)
    case partRemoved(PartRemoval)
    case attachmentAdded(Attachment)
    /// An op of a kind beyond tickets that this version knows (``EntityOpBody``).
    case entity(EntityOp)
    /// An op of a kind this version does not know; kept and forwarded, never dropped.
    case unknown(UnknownOp)

    public var kind: OpKind {
        switch self {
        case .ticketCreated: .ticketCreated
        case .fieldSet: .fieldSet
        case .lifecycle: .lifecycle
        case .note: .note
        case .partAdded: .partAdded
        case .partRemoved: .partRemoved
        case .attachmentAdded: .attachmentAdded
        case .entity(let op): op.kind
        case .unknown(let op): op.kind
        }
    }
}

/// The numeric kind of an op, as it travels on the wire (Protocol/SPEC.md).
public struct OpKind: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let ticketCreated = OpKind(rawValue: 1)
    public static let fieldSet = OpKind(rawValue: 2)
    public static let lifecycle = OpKind(rawValue: 3)
    public static let note = OpKind(rawValue: 4)
    public static let partAdded = OpKind(rawValue: 5)
    public static let partRemoved = OpKind(rawValue: 6)
    public static let attachmentAdded = OpKind(rawValue: 7)

    /// Kinds this version understands; any other is carried as ``UnknownOp``.
    public static let known: [OpKind] = [
        .ticketCreated, .fieldSet, .lifecycle, .note, .partAdded, .partRemoved, .attachmentAdded,
    ]

    public static func < (lhs: OpKind, rhs: OpKind) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .ticketCreated: "ticket-created"
        case .fieldSet: "field-set"
        case .lifecycle: "lifecycle"
        case .note: "note"
        case .partAdded: "part-added"
        case .partRemoved: "part-removed"
        case .attachmentAdded: "attachment-added"
        default: "kind-\(rawValue)"
        }
    }
}

/// An op of a kind from a newer protocol version: its kind and its encoded payload,
/// byte for byte, so it can be stored and forwarded unchanged.
public struct UnknownOp: Hashable, Sendable {
    public let kind: OpKind
    public let payload: [UInt8]
    public init(kind: OpKind, payload: [UInt8]) {
        self.kind = kind
        self.payload = payload
    }
}
