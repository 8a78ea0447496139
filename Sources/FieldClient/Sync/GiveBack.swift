import FieldModel
import FieldStore
import FieldWire

/// What a device gives back to a node restored from a backup (SPEC §9.4): the ops of
/// other replicas it holds past what the node holds, with the node's vouchers, a page
/// at a time, once per node incarnation.
struct GiveBack {
    /// Per replica: what the node says it holds; nil when nothing is to be given back.
    private var after: [ReplicaID: UInt64]?
    /// How far this sync has given back, per replica.
    private var sentUpTo: [ReplicaID: UInt64] = [:]

    var pending: Bool { after != nil }

    /// Starts giving back what `holdings` (this device's) has past `acks` (the node's),
    /// leaving out this device's own ids, which it pushes as its own.
    mutating func start(holdings: [ReplicaID: UInt64], acks: VersionVector, own: Set<ReplicaID>) -> Bool {
        let lacking = holdings.filter { r, held in !own.contains(r) && acks[r] < held }
        guard !lacking.isEmpty else { return false }
        after = Dictionary(uniqueKeysWithValues: lacking.keys.map { ($0, acks[$0]) })
        sentUpTo = [:]
        return true
    }

    /// The next page to give back; when nothing is left, notes this node incarnation done.
    mutating func next(_ store: ReplicaStore, limit: Int) throws -> [(Op, OpVoucher)] {
        guard let after else { return [] }
        let page = try store.vouchedOps(after: after, sent: sentUpTo, limit: limit)
        if page.isEmpty { try finish(store) }
        return page
    }

    /// The node took `page`.
    mutating func sent(_ page: [(Op, OpVoucher)]) {
        for (op, _) in page { sentUpTo[op.id.replica] = max(sentUpTo[op.id.replica] ?? 0, op.id.counter) }
    }

    /// Done for this node incarnation: given back, or refused (they stay on the device).
    mutating func finish(_ store: ReplicaStore) throws {
        if let incarnation = try store.nodeIncarnationSeen() { try store.noteRecovered(incarnation: incarnation) }
        after = nil
    }
}
