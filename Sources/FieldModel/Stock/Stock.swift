/// One stock location's receipts, write-offs and counts as a replica holds them, derived
/// from the ops on its entity (``StockLocation/entity``): each by its op id, a grow-only
/// set. (Transfers are entities of their own, ``StockTransfer``.)
/// Applying ops in any order, with duplicates, gives the same state; merging is union.
/// What the movements add up to, with the tickets' part lines, is ``StockLedger``'s.
public struct Stock: EntityState {
    public static var kind: EntityKind { EntityKind("stock") }

    /// One movement, as recorded.
    public struct Movement: Hashable, Sendable {
        public enum Body: Hashable, Sendable {
            case received(StockReceived)
            case writtenOff(StockWrittenOff)
            case counted(StockCounted)
        }

        public let id: OpID
        public let stamp: Timestamp
        public let body: Body

        public var part: String {
            switch body {
            case .received(let m): m.part
            case .writtenOff(let m): m.part
            case .counted(let m): m.part
            }
        }

        /// When it happened (Unix ms): a count's own time, else the op's stamp.
        public var at: UInt64 {
            if case .counted(let c) = body { return c.at }
            return stamp.wallMillis
        }
    }

    public let id: EntityID
    public private(set) var movements: [OpID: Movement] = [:]

    public init(id: EntityID) { self.id = id }

    /// The location this entity is; nil for a stock id no location has.
    public var location: StockLocation? { StockLocation(entity: id) }

    public static func derives(from op: Op) -> Bool { movement(op) != nil }

    static func movement(_ op: Op) -> Movement.Body? {
        guard case .entity(let e) = op.body else { return nil }
        switch e.body {
        case let m as StockReceived: return .received(m)
        case let m as StockWrittenOff: return .writtenOff(m)
        case let m as StockCounted: return .counted(m)
        default: return nil
        }
    }

    public mutating func apply(_ op: Op) {
        guard op.subject == id, let body = Self.movement(op) else { return }
        movements[op.id] = Movement(id: op.id, stamp: op.stamp, body: body)
    }

    public func merging(_ other: Stock) -> Stock {
        var out = self
        out.movements.merge(other.movements) { mine, _ in mine }
        return out
    }

    /// SHA-256 over the movements' op ids and stamps in id order: an op id carries one
    /// content, so equal digests mean equal states.
    public var digest: Digest {
        var h = SHA256()
        h.update(Array(id.rawValue.utf8))
        for key in movements.keys.sorted() {
            h.update(Array("|\(key)@\(movements[key]!.stamp)".utf8))
        }
        return h.finalize()
    }
}
