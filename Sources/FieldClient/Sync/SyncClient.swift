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
        while true {
            let state = try store.syncState()
            let ops = try store.unacknowledged(after: state.acked, limit: Self.pushPage)
            var messages: [WireMessage] = [
                .hello(Hello(replica: replica.replicaID, have: VersionVector([replica.replicaID: state.acked]), clock: replica.clock()))
            ]
            if !ops.isEmpty { messages.append(.push(Push(ops: ops))) }
            messages.append(.pullRequest(PullRequest(cursor: state.cursor, maxOps: Self.pullPage)))
            let body = Frame.encode(messages)
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
            var ack: UInt64 = state.acked
            var page: PullPage?
            var nodeClock: UInt64?
            var refusal: ErrorMessage?
            for m in answer {
                switch m {
                case .hello(let h): nodeClock = h.clock
                case .pushAck(let a): ack = max(ack, a.acked[replica.replicaID])
                case .pullPage(let p): page = p
                case .error(let e): refusal = e
                default: break
                }
            }
            if let refusal, page == nil {
                throw ClientError(.nodeRefused, "the node refused the sync (\(refusal.code)): \(refusal.message)")
            }
            if let refusal { report.refused = refusal.message }
            guard let page else {
                throw ClientError(.badResponse, "the node's answer has no pull page (HTTP \(status))")
            }
            let offset = nodeClock.map { Int64(bitPattern: $0) &- Int64(bitPattern: (sentAt / 2 + receivedAt / 2)) } ?? state.clockOffset
            report.clockOffsetMs = offset
            // The node cannot hold ops this device never sent it: an ack past the last op
            // pushed (a confused or hostile node) would make the device skip them for good.
            ack = min(ack, ops.last?.id.counter ?? state.acked)
            let pushedNow = Int(ack - state.acked)
            try store.commitSyncPage(
                page.ops, state: SyncState(cursor: page.nextCursor, acked: ack, clockOffset: offset),
                now: try replica.stampTime(receivedAt))
            report.pushed += pushedNow
            report.pulled += page.ops.count
            report.milliseconds = Int(Date().timeIntervalSince(started) * 1000)
            progress(report)
            // Go on while the node has more for us, or we filled a push page it took.
            let morePush = ops.count == Self.pushPage && pushedNow > 0
            if !page.more && !morePush { break }
        }
        return report
    }

    func post(_ body: [UInt8]) async throws -> (Int, [UInt8]) {
        let reply = try await NodeHTTP(link: link).send(
            .POST, "/v1/sync", body: body, headers: [("Content-Type", "application/vnd.fieldsync.frame")],
            expectBytes: WireLimits.maxFrameBytes)
        return (reply.status, reply.body)
    }
}
