import FieldModel
import FieldStore
import FieldWire
import Foundation
import NIOHTTP1

/// How a sync went, for the summary line and `--json`.
public struct SyncReport: Sendable, Codable {
    public var node: String
    public var pushed = 0
    public var pulled = 0
    public var bytesUp = 0
    public var bytesDown = 0
    public var roundTrips = 0
    public var milliseconds = 0
    /// Node clock minus device clock, as measured in this sync.
    public var clockOffsetMs: Int64 = 0
    /// Set when the node refused part of the push (kept in its quarantine).
    public var refused: String?
    /// Photos and signatures uploaded, and their bytes sent (only what the node lacked).
    public var blobsUploaded = 0
    public var blobBytesUp: UInt64 = 0
    /// This device's own ops the node gave back (this replica was restored from a backup).
    public var ownOpsRestored = 0
    /// Ops recorded since such a restore that were moved to new ids, old → new.
    public var renumbered: [String: String] = [:]
    /// Ops the node had lost (it was restored from a backup) and this device sent again.
    public var resent = 0
    /// Ops of other replicas (other devices', central's) a node restored from a backup had
    /// lost and this device gave back, with the node's vouchers (SPEC §9.4).
    public var givenBack = 0
    /// Why the node would not take them back, if it would not (they stay here).
    public var givenBackRefused: String?
    /// The node started anew since the last sync (a restart, or a restore): what it
    /// holds of this device's photos is asked again.
    public var nodeRestarted = false
    /// Entities that left this device's scope and were purged (articles no ticket here fits
    /// any more, or retired).
    public var left = 0
}

/// Syncs a replica with its node over HTTP: each round trip pushes the ops the node has
/// not acknowledged and pulls a page of what is new in scope; the page, the cursor and
/// the ack are committed together before the next round trip. Nothing local is touched
/// when the node cannot be reached.
public struct SyncClient: Sendable {
    public static let pushPage = 2_000
    public static let pullPage: UInt64 = 2_000

    let replica: FieldReplica
    let link: NodeLink

    public init(replica: FieldReplica, link: NodeLink) {
        self.replica = replica
        self.link = link
    }

    public func sync(progress: @Sendable (SyncReport) -> Void = { _ in }) async throws -> SyncReport {
        let started = Date()
        var report = SyncReport(node: link.url)
        let store = replica.store
        // Rounds in which the node and this device disagreed on this device's history
        // (one of them restored from a backup): each resolves it, so a few are enough.
        var recoveries = 0
        var giveBack = GiveBack()
        var lastPrevious: OpID?
        // A damaged replica must not push what it cannot vouch for (its checksums).
        try store.quickCheck()
        let previousIDs = Set(try store.previousOwnReplicas().keys)
        let ownIDs = previousIDs.union([replica.replicaID])
        while true {
            let state = try store.syncState()
            let holdings = try store.holdings()
            // What a restored node lacks goes first: its own ops may be on tickets it brings back.
            let giving = try giveBack.next(store, limit: Self.pushPage)
            let room = Self.pushPage - giving.count
            var ops = room > 0 ? try store.unacknowledged(after: state.acked, limit: room) : []
            let previous = ops.count < room && !previousIDs.isEmpty ? try store.unacknowledgedPrevious(limit: room - ops.count) : []
            ops += previous
            var messages: [WireMessage] = [
                .hello(Hello(replica: replica.replicaID, have: VersionVector(holdings), clock: replica.clock()))
            ]
            if !ops.isEmpty || !giving.isEmpty { messages.append(.push(Push(ops: ops + giving.map(\.0)))) }
            if !giving.isEmpty {
                messages.append(OpVouchers(covers: .push, vouchers: ops.map { _ in nil } + giving.map { Optional($0.1) }).message)
            }
            messages.append(.pullRequest(PullRequest(cursor: state.cursor, maxOps: Self.pullPage)))
            let body = Frame.encode(OpChecksums.attach(to: messages))
            let sentAt = replica.clock()
            let (status, reply) = try await post(body)
            let receivedAt = replica.clock()
            report.roundTrips += 1
            report.bytesUp += body.count
            report.bytesDown += reply.count

            let answer: [WireMessage]
            do { answer = try Frame.decode(reply) } catch {
                throw ClientError(.badResponse, "the node at \(link.url) answered HTTP \(status) with something that is not a FieldSync message: is it a FieldSync node?")
            }
            do { try OpChecksums.verify(answer) } catch {
                throw ClientError(.badResponse, "the node's answer holds a damaged op, so nothing of it was kept: \(error.detail); sync again")
            }
            let a: SyncAnswer
            do { a = try SyncAnswer(answer, me: replica.replicaID) } catch {
                throw ClientError(.badResponse, "the node's answer could not be read: \(error.detail); sync again")
            }
            let (nodeHello, acks, nodeAck, refusal, ownOps, othersOwn) = (a.hello, a.acks, a.nodeAck, a.refusal, a.ownOps, a.othersOwn)
            if let incarnation = nodeHello?.incarnation, try store.noteNodeIncarnation(incarnation) { report.nodeRestarted = true }
            if !previousIDs.isEmpty, nodeAck != nil { try store.notePreviousAcks(acks) }
            // Once per incarnation of the node: what it lacks of others' ops held here.
            if !giveBack.pending, let incarnation = nodeHello?.incarnation, !incarnation.isEmpty, nodeAck != nil || refusal == nil,
                try store.recoveredIncarnation() != incarnation, !giveBack.start(holdings: holdings, acks: acks, own: ownIDs)
            {
                try store.noteRecovered(incarnation: incarnation)
            }
            if !othersOwn.isEmpty {
                report.ownOpsRestored += try store.apply(othersOwn, now: try replica.stampTime(receivedAt)).inserted
            }
            if !ownOps.isEmpty {
                let adoption = try store.adoptOwnHistory(ownOps, now: try replica.stampTime(receivedAt))
                report.ownOpsRestored += adoption.restored
                for (old, new) in adoption.renumbered { report.renumbered[old.description] = new.description }
            }
            if let refusal, a.page == nil, !giving.isEmpty, refusal.code == .forbidden || refusal.code == .malformed || refusal.code == .invalidOp {
                // The node would not take them back (a node older than vouchers, or a key
                // lost with its backup): they stay here; the sync goes on without them.
                report.givenBackRefused = refusal.message
                try giveBack.finish(store)
                continue
            }
            if let refusal, a.page == nil {
                // The node and this device disagree on this device's history (one was
                // restored from a backup): take what the node says it holds and go on.
                if refusal.code == .behind, recoveries < 5 {
                    // The node was restored and lacks what this device pulled: give it back first.
                    recoveries += 1
                    _ = giveBack.start(holdings: holdings, acks: acks, own: ownIDs)
                    continue
                }
                if [.counterGap, .conflictingOp].contains(refusal.code), let nodeAck, recoveries < 5 {
                    recoveries += 1
                    let acked = min(nodeAck, try store.ownMaxCounter())
                    if acked < state.acked { report.resent += Int(state.acked - acked) }
                    try store.commitSyncPage([], state: SyncState(cursor: state.cursor, acked: acked, clockOffset: state.clockOffset), now: try replica.stampTime(receivedAt))
                    continue
                }
                throw ClientError(.nodeRefused, "the node refused the sync (\(refusal.code)): \(refusal.message)")
            }
            if let refusal { report.refused = refusal.message }
            guard let page = a.page else {
                throw ClientError(.badResponse, "the node's answer has no pull page (HTTP \(status))")
            }
            let offset = nodeHello.map { Int64(bitPattern: $0.clock) &- Int64(bitPattern: (sentAt / 2 + receivedAt / 2)) } ?? state.clockOffset
            report.clockOffsetMs = offset
            // What the node says it holds of this device is the truth, lower than before
            // too (a node restored from a backup lost ops: they are sent again). It cannot
            // hold ops this device never made: an ack past them (a confused or hostile
            // node) would make the device skip them for good.
            let ownNow = try store.ownMaxCounter()
            let ack = min(nodeAck ?? state.acked, ownNow)
            if ack < state.acked { report.resent += Int(state.acked - ack) }
            let pushedNow = ack > state.acked ? Int(ack - state.acked) : 0
            try store.commitSyncPage(
                page.ops, vouchers: a.vouchers, left: a.left, state: SyncState(cursor: page.nextCursor, acked: ack, clockOffset: offset),
                now: try replica.stampTime(receivedAt), unreferenced: { [replica] digest in replica.blobs.remove(digest) })
            report.left += a.left.count
            report.pushed += pushedNow + previous.filter { acks[$0.id.replica] >= $0.id.counter }.count
            report.givenBack += giving.count
            giveBack.sent(giving)
            report.pulled += page.ops.count
            report.milliseconds = Int(Date().timeIntervalSince(started) * 1000)
            progress(report)
            // Go on while the node has more for us, or it holds less of ours than we
            // made and the last round moved (a round that moves nothing would repeat).
            let morePush = ack < ownNow && (ack != state.acked || !ownOps.isEmpty) || !othersOwn.isEmpty
            // The ids this replica recorded under before a fork: on while each round moves.
            // (The node's ack may have just lowered what it holds of them: a restored node.)
            let nextPrevious = previousIDs.isEmpty ? nil : try store.unacknowledgedPrevious(limit: 1).first?.id
            let morePrevious = nextPrevious != nil && nextPrevious != lastPrevious
            lastPrevious = nextPrevious
            if !page.more && !morePush && !morePrevious && !giveBack.pending { break }
        }
        return report
    }

    func post(_ body: [UInt8]) async throws -> (Int, [UInt8]) {
        try await link.postSync(body)
    }
}
