import FieldModel
import FieldWire

/// The node's answer to one sync round trip, read from its messages (SPEC §3).
struct SyncAnswer {
    var hello: Hello?
    /// What the node holds of every replica it answered for (`push-ack`).
    var acks = VersionVector()
    /// What it holds of this device's replica; nil when it sent no `push-ack`.
    var nodeAck: UInt64?
    var page: PullPage?
    /// Its vouchers for the page's ops (SPEC §3.10).
    var vouchers: [OpVoucher?]?
    var refusal: ErrorMessage?
    /// This device's own ops the node holds past what the device said it holds.
    var ownOps: [Op] = []
    /// Ops of this device's earlier ids (before a fork), or of its principal's other
    /// devices, that the node holds past what this device said it holds.
    var othersOwn: [Op] = []
    /// Entities that left this device's scope within the page (SPEC §3.11).
    var left: [EntityID] = []

    init(_ messages: [WireMessage], me: ReplicaID) throws(WireError) {
        for m in messages {
            switch m {
            case .hello(let h): hello = h
            // A version vector leaves zeros out: a node that holds nothing of us says so by omission.
            case .pushAck(let a):
                nodeAck = a.acked[me]
                acks = a.acked
            case .pullPage(let p): page = p
            case .push(let p):
                ownOps += p.ops.filter { $0.id.replica == me }
                othersOwn += p.ops.filter { $0.id.replica != me }
            case .error(let e): refusal = e
            default: break
            }
        }
        vouchers = try OpVouchers.find(for: .pullPage, in: messages)
        left = try ScopeLeft.find(in: messages)?.entities ?? []
    }
}
