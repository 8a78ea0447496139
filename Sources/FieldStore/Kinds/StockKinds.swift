import FieldModel

/// A location's stock as a node keeps it: its movements are the ledger's (``StockRows``);
/// the row says which location it is. A van's stock is in its engineer's scope; a
/// warehouse's or depot's in no engineer's. Both are decided by the id alone, so a store
/// never reads a location's movements (a year of them) to keep its row or scope.
public enum StockKind: NodeEntityKind {
    public struct Row: Codable, Sendable, Equatable {
        public var location: String
        public var seq: Int64
    }

    public static func row(of state: Stock, seq: Int64) -> Row? { row(of: state.id, seq: seq) }

    public static func row(of id: EntityID, seq: Int64) -> Row? {
        StockLocation(entity: id).map { Row(location: $0.description, seq: seq) }
    }

    public static func audience(of state: Stock) -> EntityAudience { audience(of: state.id) ?? .nobody }
    public static var scopedByName: Bool { true }

    /// Decided by the id alone (`stock:van:E17` is E17's), so a store need not read the
    /// location's movements to scope it.
    public static func audience(of id: EntityID) -> EntityAudience? {
        guard let location = StockLocation(entity: id) else { return .nobody }
        return EntityAudience(principals: StockKinds.engineers([location]))
    }
}

/// A transfer as a node keeps it: in the scope of the engineers of the vans at either end.
public enum TransferKind: NodeEntityKind {
    public struct Row: Codable, Sendable, Equatable {
        public var from: String
        public var to: String
        public var part: String
        public var purpose: String
        /// Thousandths of a unit.
        public var sent: Int64
        /// The confirmation that counts; nil while in transit.
        public var arrived: Int64?
        public var seq: Int64
    }

    public static func row(of state: StockTransfer, seq: Int64) -> Row? {
        guard let sent = state.sent?.body else { return nil }
        return Row(
            from: sent.from.description, to: sent.to.description, part: sent.part, purpose: sent.purpose == .return ? "return" : "transfer",
            sent: sent.quantity.thousandths, arrived: state.arrival?.quantity.thousandths, seq: seq)
    }

    public static var scopedByName: Bool { true }

    public static func audience(of state: StockTransfer) -> EntityAudience {
        guard let sent = state.sent?.body else { return .nobody }
        return EntityAudience(principals: StockKinds.engineers([sent.from, sent.to]))
    }

    public static func audience(of id: EntityID) -> EntityAudience? { nil }
    public static func row(of id: EntityID, seq: Int64) -> Row? { nil }
}

enum StockKinds {
    /// The engineers whose vans these are.
    static func engineers(_ locations: [StockLocation]) -> [String] {
        locations.filter { $0.kind == .van }.map(\.name)
    }
}
