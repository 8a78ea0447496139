/// Who records a stock movement, as ownership sees them: the one rule of who may move
/// what, checked offline on a device before an op is made and again at the node when it
/// arrives (a changed client must not move another van's stock).
public enum StockActor: Hashable, Sendable {
    /// The central replica (admin commands acting for the company): owns every location.
    case central
    /// An engineer: owns their van (`van:E17`).
    case engineer(String)
    /// A warehouse or depot principal named N: owns `warehouse:N` and `depot:N`.
    case site(String)
    /// Anyone else (a dispatcher): owns no location.
    case nobody

    /// Whether this actor owns `location`.
    public func owns(_ location: StockLocation) -> Bool {
        switch self {
        case .central: true
        case .engineer(let name): location.kind == .van && location.name == name
        case .site(let name): location.kind != .van && location.name == name
        case .nobody: false
        }
    }

    public var description: String {
        switch self {
        case .central: "central"
        case .engineer(let name), .site(let name): name
        case .nobody: "this principal"
        }
    }
}

/// Who may record which stock movement (issue M7): receipts, write-offs and counts on a
/// location its owner records; a transfer leaves from a location its sender owns; a
/// van's return to a warehouse or depot is recorded by either side (the counter takes it back);
/// the receiving location's owner confirms what arrived.
public enum StockAuthority {
    /// Refuses `op` if `actor` may not record it; any op that is not a stock movement passes.
    /// `transfer`: the transfer a confirmation names, as the recorder holds it (nil: not held).
    public static func check(_ op: Op, by actor: StockActor, transfer: StockTransfer?) throws(ModelError) {
        guard case .entity(let e) = op.body else { return }
        try check(e.body, on: op.subject, by: actor, transfer: transfer)
    }

    /// The same, for a movement about to be recorded on `subject`.
    public static func check(_ body: any EntityOpBody, on subject: EntityID, by actor: StockActor, transfer: StockTransfer?) throws(ModelError) {
        switch body {
        case is StockReceived, is StockWrittenOff, is StockCounted:
            guard let location = StockLocation(entity: subject) else { return }
            try require(actor, owns: location, "record stock at")
        case let sent as StockSent:
            // A warehouse or depot counter takes back what a van returns: its owner records
            // it. Nothing else leaves a location its mover does not own.
            if sent.purpose == .return && sent.from.kind == .van && sent.to.kind != .van && actor.owns(sent.to) { return }
            try require(actor, owns: sent.from, "move stock out of")
        case is StockArrived:
            guard let sent = transfer?.sent else {
                throw ModelError(.notOwner, "transfer \(subject) is not known here: sync first, then confirm what arrived")
            }
            try require(actor, owns: sent.body.to, "confirm what arrived at")
        default:
            return
        }
    }

    private static func require(_ actor: StockActor, owns location: StockLocation, _ what: String) throws(ModelError) {
        guard !actor.owns(location) else { return }
        throw ModelError(.notOwner, "\(actor.description) may not \(what) \(location): only its owner may (\(owner(of: location)))")
    }

    /// Who owns a location, in words.
    static func owner(of location: StockLocation) -> String {
        switch location.kind {
        case .van: "engineer \(location.name)"
        case .warehouse, .depot: "the warehouse or depot principal \(location.name)"
        }
    }
}
