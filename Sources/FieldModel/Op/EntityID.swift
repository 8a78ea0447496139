/// The id of the thing an op changes: a ticket today; stock locations and knowledge
/// articles later. Ticket ids are made from the op id that created them
/// (`T<counter>-<replica>`), so they are unique without coordination.
public struct EntityID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Creates an id; nil when empty, longer than 128 bytes, or containing whitespace
    /// or control characters.
    public init?(_ rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= 128,
            rawValue.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F })
        else { return nil }
        self.rawValue = rawValue
    }

    /// The id of the ticket created by op `created`.
    public static func ticket(createdBy created: OpID) -> EntityID {
        // Replica ids never contain whitespace, so this is always valid.
        EntityID(uncheckedRaw: "T\(created.counter)-\(created.replica.rawValue)")
    }

    init(uncheckedRaw: String) { rawValue = uncheckedRaw }

    public static func < (lhs: EntityID, rhs: EntityID) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    public var description: String { rawValue }
}

/// A ticket (work order) id.
public typealias TicketID = EntityID
