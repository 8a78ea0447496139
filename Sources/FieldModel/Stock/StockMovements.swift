/// The movements of spare parts: receipts, write-offs and counts are ops on the stock
/// entity of their location (``StockLocation/entity``); a transfer is an entity of its
/// own (``StockTransfer``). Consumption is not among them: it is the tickets' part lines
/// (``PartLine/location``), so it cannot disagree with what engineers recorded.

/// Parts received into a location from outside (a supplier's delivery; op kind 10).
public struct StockReceived: EntityOpBody {
    public static var opKind: OpKind { OpKind(rawValue: 10) }
    public var part: String
    public var quantity: Quantity
    /// A delivery note's number, or empty.
    public var reference: String

    public init(part: String, quantity: Quantity, reference: String = "") {
        self.part = part
        self.quantity = quantity
        self.reference = reference
    }

    public func validate() throws(ModelError) {
        try StockMovement.check(part: part, quantity: quantity)
        try Op.checkText(reference, "delivery reference")
    }
}

/// Parts sent from one location to another (op kind 11): the op that makes a transfer,
/// an entity of its own (``StockTransfer``), so both sides see it. In transit until the
/// receiving side confirms what it got (``StockArrived``). A return (a van's unused
/// parts back to the warehouse) is a transfer too.
public struct StockSent: EntityOpBody {
    public enum Purpose: UInt8, Hashable, Sendable {
        case transfer = 0
        case `return` = 1
    }

    public static var opKind: OpKind { OpKind(rawValue: 11) }
    public var part: String
    public var quantity: Quantity
    public var from: StockLocation
    public var to: StockLocation
    public var purpose: Purpose

    public init(part: String, quantity: Quantity, from: StockLocation, to: StockLocation, purpose: Purpose = .transfer) {
        self.part = part
        self.quantity = quantity
        self.from = from
        self.to = to
        self.purpose = purpose
    }

    public func validate() throws(ModelError) {
        try StockMovement.check(part: part, quantity: quantity)
        guard from != to else { throw ModelError(.invalidOp, "a transfer goes from one location to another (both are \(from))") }
    }
}

/// What arrived of a transfer, confirmed by the receiving side (op kind 12, on the
/// transfer): may differ from what was sent (0 when nothing came); the difference is
/// in dispute.
public struct StockArrived: EntityOpBody {
    public static var opKind: OpKind { OpKind(rawValue: 12) }
    public var quantity: Quantity

    public init(quantity: Quantity) { self.quantity = quantity }

    public func validate() throws(ModelError) {
        try StockMovement.check(part: "-", quantity: quantity, zeroAllowed: true)
    }
}

/// Parts written off at a location: broken, lost, expired (op kind 13).
public struct StockWrittenOff: EntityOpBody {
    public static var opKind: OpKind { OpKind(rawValue: 13) }
    public var part: String
    public var quantity: Quantity
    public var reason: String

    public init(part: String, quantity: Quantity, reason: String) {
        self.part = part
        self.quantity = quantity
        self.reason = reason
    }

    public func validate() throws(ModelError) {
        try StockMovement.check(part: part, quantity: quantity)
        guard !reason.isEmpty else { throw ModelError(.invalidText, "a write-off needs a reason") }
        try Op.checkText(reason, "write-off reason")
    }
}

/// A physical count: `quantity` of `part` seen at the location at `at` (Unix ms, the
/// counting device's clock; op kind 14).
public struct StockCounted: EntityOpBody {
    public static var opKind: OpKind { OpKind(rawValue: 14) }
    public var part: String
    public var quantity: Quantity
    public var at: UInt64

    /// `at` is rounded down to a whole second, as every time an op carries (``WholeSeconds``).
    public init(part: String, quantity: Quantity, at: UInt64) {
        self.part = part
        self.quantity = quantity
        self.at = WholeSeconds.floor(at)
    }

    public func validate() throws(ModelError) {
        try StockMovement.check(part: part, quantity: quantity, zeroAllowed: true)
    }
}

/// Checks shared by every movement.
enum StockMovement {
    /// A movement is on the entity it belongs to: receipts, write-offs and counts on a
    /// location's stock, a confirmation on a transfer, and a sending on the transfer
    /// named after it (no op may take over another's transfer).
    static func checkSubject(of op: Op, _ body: any EntityOpBody) throws(ModelError) {
        switch body {
        case is StockReceived, is StockWrittenOff, is StockCounted:
            guard StockLocation(entity: op.subject) != nil else {
                throw ModelError(.invalidOp, "op \(op.id): a receipt, write-off or count belongs on a location's stock (stock:van:E17), not \(op.subject)")
            }
            // A count from the future would stay "the latest" for good, whatever is counted after.
            if let c = body as? StockCounted, c.at > op.stamp.wallMillis &+ HybridClock.maxForwardDrift {
                throw ModelError(.invalidOp, "op \(op.id): a count cannot be later than the op that records it (\(UTCTime.iso8601(millis: c.at)))")
            }
        case is StockSent:
            guard op.subject == StockTransfer.id(sentBy: op.id) else {
                throw ModelError(.invalidOp, "op \(op.id): a transfer is named after the op that sends it (\(StockTransfer.id(sentBy: op.id))), not \(op.subject)")
            }
        case is StockArrived:
            guard op.subject.kind == StockTransfer.kind else {
                throw ModelError(.invalidOp, "op \(op.id): a receipt of a transfer belongs on the transfer, not \(op.subject)")
            }
        default:
            return
        }
    }

    /// Whether a scalar may be in a part number or a location's name: no whitespace or
    /// control or format character of any script.
    static func isNameScalar(_ u: Unicode.Scalar) -> Bool {
        !u.properties.isWhitespace && ![.control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator].contains(u.properties.generalCategory)
    }

    /// Longest part number accepted, in bytes.
    static let maxPartBytes = 128
    /// Largest quantity of one movement: a billion units (Quantity sums stay far from overflow).
    static let maxQuantity = Quantity(1_000_000_000)

    static func check(part: String, quantity: Quantity, zeroAllowed: Bool = false) throws(ModelError) {
        guard !part.isEmpty, part.utf8.count <= maxPartBytes, part.unicodeScalars.allSatisfy(isNameScalar) else {
            throw ModelError(.invalidText, "a part number is 1 to \(maxPartBytes) bytes without spaces or control characters")
        }
        guard zeroAllowed ? quantity.thousandths >= 0 : quantity.thousandths > 0 else {
            throw ModelError(.invalidQuantity, "quantity must be \(zeroAllowed ? "0 or more" : "greater than 0") (got \(quantity))")
        }
        guard quantity <= maxQuantity else {
            throw ModelError(.invalidQuantity, "quantity \(quantity) is over the most one movement may move (\(maxQuantity))")
        }
    }
}
