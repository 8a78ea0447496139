/// What kind of thing an entity is — a ticket, a knowledge-base article, a stock
/// location — an open set: a replica keeps and forwards the ops of a kind it does not
/// know, and derives no state from them.
///
/// An entity's id names its kind: `KIND:NAME` (`article:fan-guide`); an id without a
/// colon is a ticket's (`T12-e17-3fa9`), as every id made before kinds were named.
public struct EntityKind: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public static let ticket = EntityKind("ticket")

    public static func < (lhs: EntityKind, rhs: EntityKind) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}

extension EntityID {
    /// The kind this id names (``EntityKind``).
    public var kind: EntityKind {
        guard let colon = rawValue.firstIndex(of: ":") else { return .ticket }
        return EntityKind(String(rawValue[..<colon]))
    }

    /// The id of the entity of `kind` called `name`; nil when the result is not a valid
    /// id (``EntityID/init(_:)``) or `kind` is not letters, digits and `-`.
    public init?(kind: EntityKind, name: String) {
        guard !kind.rawValue.isEmpty, kind != .ticket,
            kind.rawValue.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        else { return nil }
        self.init(kind.rawValue + ":" + name)
    }
}
