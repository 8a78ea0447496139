/// Where spare parts are kept: a warehouse, a depot, or an engineer's van, named as
/// part lines name where a part came from (`warehouse:W1`, `depot:north`, `van:E17`).
public struct StockLocation: Hashable, Comparable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case warehouse, depot, van
    }

    public let kind: Kind
    /// The warehouse's or depot's id, or the van's engineer.
    public let name: String

    /// Longest name accepted, in bytes.
    public static let maxNameBytes = 64

    /// Parses `KIND:NAME`; nil for another kind, or a name that is empty, longer than
    /// ``maxNameBytes``, or has whitespace or control characters.
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":"), let kind = Kind(rawValue: String(text[..<colon])) else { return nil }
        self.init(kind, String(text[text.index(after: colon)...]))
    }

    public init?(_ kind: Kind, _ name: String) {
        guard !name.isEmpty, name.utf8.count <= Self.maxNameBytes, name.unicodeScalars.allSatisfy(StockMovement.isNameScalar) else { return nil }
        self.kind = kind
        self.name = name
    }

    /// An engineer's van.
    public static func van(of engineer: String) -> StockLocation? { StockLocation(.van, engineer) }

    public var description: String { "\(kind.rawValue):\(name)" }

    /// The stock entity whose ops record this location's movements (`stock:van:E17`).
    public var entity: EntityID {
        // A kind of at most 9 bytes and a name of at most 64 without whitespace: valid.
        EntityID(kind: Stock.kind, name: description)!
    }

    /// The location a stock entity's id names.
    public init?(entity: EntityID) {
        guard entity.kind == Stock.kind else { return nil }
        self.init(String(entity.rawValue.dropFirst(Stock.kind.rawValue.count + 1)))
    }

    public static func < (a: StockLocation, b: StockLocation) -> Bool { a.description < b.description }
}
