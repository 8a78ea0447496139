import FieldModel
import FieldWire

/// What a node decides about a push before any database is read, and about each replica's
/// ops once it knows what it holds of them: the same on every backend.
public enum PushCheck {
    /// The owner recorded for a store's own replica (a node's, the central's on PostgreSQL):
    /// token names are replica-id characters only, so no principal can push as it.
    public static let selfOwner = "@self"

    /// Refuses the whole push if one op is invalid, stamped too far ahead of the node's
    /// clock, or attaches more than `maxAttachmentBytes`.
    public static func validate(_ ops: [Op], now: UInt64, maxAttachmentBytes: UInt64) throws(StoreError) {
        for op in ops {
            do { try op.validate() } catch { throw StoreError.invalid(error) }
            if op.stamp.wallMillis > now &+ HybridClock.maxForwardDrift {
                throw StoreError(
                    .futureStamp,
                    "op \(op.id) is stamped \((op.stamp.wallMillis - now) / 60_000) min ahead of the node's clock (limit \(HybridClock.maxForwardDrift / 60_000) min): set the device's clock and sync again")
            }
            if case .attachmentAdded(let a) = op.body, a.byteSize > maxAttachmentBytes {
                throw StoreError(
                    .invalidOp,
                    "op \(op.id) attaches \(a.byteSize) bytes; this node takes attachments of at most \(maxAttachmentBytes) bytes: attach a smaller file")
            }
        }
    }

    /// One replica's ops in a push, given that every op up to `acked` is held: those at or
    /// below it are resends (the caller checks each is the op it holds), the rest must run on
    /// from `acked + 1` without a gap. Refuses two different ops under one id.
    public static func split(_ ops: [Op], of replica: ReplicaID, acked: UInt64) throws(StoreError) -> (resent: [Op], fresh: [Op]) {
        var resent: [Op] = []
        var new: [UInt64: Op] = [:]
        for op in ops {
            if op.id.counter <= acked {
                resent.append(op)
            } else if let other = new[op.id.counter], other != op {
                throw StoreError(.conflictingOp, "the push holds two different ops with id \(op.id): this replica reused a counter")
            } else {
                new[op.id.counter] = op
            }
        }
        var fresh: [Op] = []
        var next = acked
        while let op = new[next + 1] {
            fresh.append(op)
            next += 1
        }
        if fresh.count != new.count {
            throw StoreError(
                .counterGap, "ops of \(replica) skip counter \(next + 1) (the node holds up to \(acked)): push every op from \(acked + 1) on")
        }
        return (resent, fresh)
    }

    /// Refuses a resent op that differs from the one held under its id (`held`, from the log
    /// or the quarantine): an id reused for other content would otherwise be acked and lost.
    public static func checkResent(_ op: Op, held: Op?) throws(StoreError) {
        if let held, held != op {
            throw StoreError(
                .conflictingOp,
                "op \(op.id) differs from the op the node already holds under that id: this replica reused a counter (restored from a backup?); nothing was stored")
        }
    }

    /// Refuses a push naming `replica` unless its owner here (`recorded`, nil if none yet)
    /// is `claimant`: the pusher, or for ops given back with vouchers the owner the vouchers
    /// name. An engineer's device names its new ids after its engineer: it may push only its
    /// own (`device`) and its engineer's. A depot relays (M8): it may push its own replica
    /// (`device`) and the devices of the engineers it serves or served (`members`; new ids
    /// only of those it serves now, `current`), whose
    /// replicas stay theirs (``claimedOwner(of:by:members:)``), so a device syncs at the
    /// depot today and at central or another depot tomorrow.
    public static func checkOwner(
        of replica: ReplicaID, recorded: String?, claimant: String, pusher: Principal, device: ReplicaID, vouched: Bool,
        members: Set<String> = [], current: Set<String>? = nil
    ) throws(StoreError) {
        let relayed = pusher.role == .depot && !vouched && recorded.map { members.contains($0) } == true
        if let recorded, recorded != claimant, !relayed {
            throw StoreError(.forbidden, "replica \(replica) belongs to another principal, not \(pusher.name): each device syncs with its own engineer's token")
        }
        if !vouched && recorded == nil && replica != device && !pusher.mayClaim(replica) {
            throw StoreError(.forbidden, "a device pushes only its own ops: \(replica) is not from \(device)")
        }
        // A new device is claimed through a depot for an engineer it serves now only: one it
        // served keeps what the depot took from them, not a way in for new ids.
        if !vouched && recorded == nil && replica != device && pusher.role == .depot && member(namedIn: replica, current ?? members) == nil {
            throw StoreError(
                .forbidden,
                "depot \(pusher.name) relays its own ops and its engineers' devices' only: \(replica) is neither (at central: `fieldsync-node depot add-engineer \(pusher.name) ENGINEER`)")
        }
    }

    /// The engineer among `members` (a depot's) whose devices `replica` is named after
    /// (``Principal/mayClaim(_:)``); the longest name when two fit (`e1` and `e1-x`).
    public static func member(namedIn replica: ReplicaID, _ members: Set<String>) -> String? {
        members.filter { Principal(name: $0, role: .engineer).mayClaim(replica) }.max { ($0.count, $0) < ($1.count, $1) }
    }

    /// Whose rights a pushed op is judged by, for ticket scope and stock: its pusher's, or
    /// for a depot relaying a device of one of its engineers (`owners`: each replica's
    /// owner here), that engineer's, or a sub-depot's own replica, that depot's. A depot
    /// relays; it does not lend its own scope.
    public static func judge(of op: Op, pusher: Principal, owners: [ReplicaID: String], rights: RelayRights) -> Principal {
        guard pusher.role == .depot, let owner = owners[op.id.replica] else { return pusher }
        // A sub-depot's own op is its own (its site's stock), as if it had pushed it.
        if rights.depots.contains(owner) { return Principal(name: owner, role: .depot) }
        return rights.engineers.contains(owner) ? Principal(name: owner, role: .engineer) : pusher
    }

    /// Who a push records as owner of a replica it names first: a depot relaying one of
    /// its engineers' devices records that engineer, anyone else themselves.
    public static func claimedOwner(of replica: ReplicaID, by pusher: Principal, members: Set<String>) -> String {
        guard pusher.role == .depot, let engineer = member(namedIn: replica, members) else { return pusher.name }
        return engineer
    }

    /// The owner each vouched op's voucher names (SPEC §3.10), checked before anything else:
    /// one voucher per op, each made by this node (`key`) for this very op.
    public static func vouchedOwners(_ ops: [Op], vouchers: [OpVoucher?]?, key: [UInt8]) throws(StoreError) -> [OpID: String] {
        guard let vouchers else { return [:] }
        guard vouchers.count == ops.count else {
            throw StoreError(.invalidOp, "\(vouchers.count) vouchers came with \(ops.count) ops")
        }
        var owners: [OpID: String] = [:]
        for (op, voucher) in zip(ops, vouchers) {
            guard let voucher else { continue }
            guard !key.isEmpty, voucher.vouches(for: op, key: key) else {
                throw StoreError(
                    .forbidden, "op \(op.id) came with a voucher this node did not make (or the op was changed since): nothing was stored")
            }
            owners[op.id] = voucher.owner
        }
        return owners
    }

    /// The owner named by the vouchers of `ops` (one replica's) when every one of them came
    /// with a voucher and all name the same owner: they are given back, not pushed.
    public static func givenBackOwner(_ ops: [Op], _ owners: [OpID: String]) -> String? {
        let named = Set(ops.compactMap { owners[$0.id] })
        guard !ops.isEmpty, named.count == 1, ops.allSatisfy({ owners[$0.id] != nil }) else { return nil }
        return named.first
    }

    // MARK: Stock

    /// Whether `op` is a stock movement, whose recorder's ownership is checked
    /// (``checkStock(_:by:held:)``) instead of the ticket scope.
    public static func isStock(_ op: Op) -> Bool {
        // By body, not by subject alone: any other op on a stock id (an unknown kind, an
        // article's) goes through the ticket scope, where it is quarantined.
        guard case .entity(let e) = op.body, op.subject.kind == Stock.kind || op.subject.kind == StockTransfer.kind else { return false }
        return e.body is StockReceived || e.body is StockWrittenOff || e.body is StockCounted || e.body is StockSent || e.body is StockArrived
    }

    /// The transfers whose ops a store must read for ``checkStock(_:by:held:)``: those a
    /// confirmation in the push names.
    public static func transfersConfirmed(in ops: [Op]) -> Set<EntityID> {
        Set(ops.filter { $0.subject.kind == StockTransfer.kind && StockTransfer.derives(from: $0) && !isSending($0) }.map(\.subject))
    }

    /// Refuses the whole push if one of its stock movements is one `pusher` may not record
    /// (``StockAuthority``: the same rule a device applies offline), so a changed client
    /// cannot move stock out of a location its principal does not own. `held`: the ops the
    /// store holds of each transfer ``transfersConfirmed(in:)`` named.
    public static func checkStock(_ ops: [Op], by pusher: Principal, held: [EntityID: [Op]]) throws(StoreError) {
        var transfers: [EntityID: StockTransfer] = [:]
        for (id, list) in held {
            var t = StockTransfer(id: id)
            for op in list { t.apply(op) }
            transfers[id] = t
        }
        for op in ops where op.subject.kind == StockTransfer.kind && isSending(op) {
            transfers[op.subject, default: StockTransfer(id: op.subject)].apply(op)
        }
        for op in ops where isStock(op) {
            do {
                try StockAuthority.check(op, by: pusher.stockActor, transfer: transfers[op.subject])
            } catch {
                throw StoreError(.forbidden, "op \(op.id): \(error.message); nothing was stored", underlying: error)
            }
        }
    }

    static func isSending(_ op: Op) -> Bool {
        guard case .entity(let e) = op.body else { return false }
        return e.body is StockSent
    }
}
