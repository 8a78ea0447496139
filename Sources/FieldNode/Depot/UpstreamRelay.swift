import FieldClient
import FieldModel
import FieldStore
import FieldWire
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// A depot's link to its upstream (M8, `serve --upstream URL --upstream-token TOKEN`): in the
/// background, it pushes what the depot took from its engineers' devices (and its own ops)
/// and pulls what the upstream has for it, page after page, as a device syncs. The depot
/// acknowledges its devices' pushes at once; this catches up whenever the upstream answers,
/// waiting longer after each failure (up to `maxBackoff`) while it does not.
public final class UpstreamRelay: Service, Sendable {
    let store: ReplicaStore
    let link: NodeLink
    /// The depot's complete blobs (its data folder's `blobs`): photos relayed both ways.
    let blobs: BlobFolder
    let logger: Logger
    let interval: Duration
    let maxBackoff: Duration
    let clock: @Sendable () -> UInt64

    public static let pushPage = 2_000
    public static let pullPage: UInt64 = 2_000

    public init(
        store: ReplicaStore, link: NodeLink, blobs: BlobFolder, logger: Logger, interval: Duration = .seconds(5), maxBackoff: Duration = .seconds(60),
        clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.store = store
        self.link = link
        self.blobs = blobs
        self.logger = logger
        self.interval = interval
        self.maxBackoff = maxBackoff
        self.clock = clock
    }

    /// What one exchange moved.
    public struct Exchange: Sendable, Hashable {
        public var pushed = 0
        public var pulled = 0
        /// More waits on either side: exchange again at once.
        public var more = false
    }

    /// Syncs until the node shuts down.
    public func run() async throws {
        var wait = Duration.zero
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            if wait > .zero {
                do {
                    let pause = wait
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
                } catch {
                    return
                }
            }
            if Task.isShuttingDownGracefully { return }
            do {
                try await catchUp()
                wait = interval
            } catch {
                // Backoff while the upstream is away: twice as long each time, up to the most.
                wait = min(max(wait * 2, interval), maxBackoff)
                let message = "\(error)"
                Counter(label: "fieldsync_upstream_errors_total").increment()
                logger.warning("upstream sync failed; retrying", metadata: ["upstream": .string(link.url), "error": .string(message), "retry_s": .stringConvertible(wait.components.seconds)])
                let (store, url, now) = (store, link.url, clock())
                _ = try? await BlockingWork.run { try store.noteUpstreamError(url, message, now: now) }
            }
        }
    }

    /// Exchanges until nothing more waits on either side.
    public func catchUp() async throws {
        // Tokens first: a revocation at central reaches the depot even while a push is refused.
        try await adoptTokens()
        try await adoptTree()
        try await followMembers()
        try await claimSubDepotReplicas()
        var rounds = 0
        while true {
            let moved = try await exchange()
            rounds += 1
            if !moved.more || rounds > 10_000 { break }
        }
        // Photos after the ops that attach them: the upstream takes no bytes no op refers to.
        // Off the cooperative pool: the transfer reads SQLite, hashes photos and writes files.
        let relay = UpstreamPhotos(store: store, blobs: blobs, link: link, clock: clock)
        let photos = try await withTaskExecutorPreference(BlockingWork.executor) { try await relay.exchange() }
        if photos.up + photos.down > 0 {
            logger.info("relayed photos", metadata: ["up": .stringConvertible(photos.up), "down": .stringConvertible(photos.down)])
        }
        for refusal in photos.refused { logger.warning("the upstream refused a photo; it stays here", metadata: ["error": .string(refusal)]) }
        let (store, url, blobs) = (store, link.url, blobs)
        let (backlog, waiting) = try await BlockingWork.run { (try store.upstreamBacklog(url), try UpstreamPhotos.waiting(store, blobs)) }
        Gauge(label: "fieldsync_upstream_backlog_ops").record(Double(backlog))
        Gauge(label: "fieldsync_upstream_backlog_blobs").record(Double(waiting.count))
        Gauge(label: "fieldsync_upstream_last_sync_seconds").record(Double(clock()) / 1000)
    }

    /// Takes in the tokens central has for this depot's engineers (hashes only): a token
    /// made or revoked there works or stops here from this sync on.
    public func adoptTokens() async throws {
        let (status, body) = try await link.get(DepotRoutes.tokensPath)
        guard status == 200 else {
            throw NodeError.badRequest("the upstream at \(link.url) would not list this depot's engineers' tokens (HTTP \(status)): is the depot's token of role depot there?")
        }
        let hashes: [TokenHash]
        do { hashes = try JSONDecoder().decode([TokenHash].self, from: Data(body)) } catch {
            throw NodeError.badRequest("the upstream at \(link.url) sent a token list that cannot be read: \(error)")
        }
        let (store, url, now) = (store, link.url, clock())
        let changed = try await BlockingWork.run { try store.adoptUpstreamTokens(hashes, from: url, now: now) }
        if changed > 0 { logger.info("adopted engineers' tokens from the upstream", metadata: ["changed": .stringConvertible(changed)]) }
    }

    /// Takes in the part of the relay tree below this depot (M8 trees): the depots whose
    /// upstream it is, and their engineers, so they sync here as they would at central.
    public func adoptTree() async throws {
        let (status, body) = try await link.get(DepotRoutes.treePath)
        // An upstream older than relay trees has none to send: this depot relays no depot.
        if status == 404 { return }
        guard status == 200 else {
            throw NodeError.badRequest("the upstream at \(link.url) would not list the depots this one relays (HTTP \(status)): is the depot's token of role depot there?")
        }
        let tree: DepotTree
        do { tree = try JSONDecoder().decode(DepotTree.self, from: Data(body)) } catch {
            throw NodeError.badRequest("the upstream at \(link.url) sent a relay tree that cannot be read: \(error)")
        }
        let (store, url) = (store, link.url)
        if try await BlockingWork.run({ try store.adoptUpstreamTree(tree, from: url) }) {
            refusedClaims.withLock { $0.removeAll() }
            logger.info("adopted the depots this one relays from the upstream", metadata: ["relays": .stringConvertible(tree.relays.count), "engineers": .stringConvertible(tree.members.count)])
        }
    }

    /// Claims upstream the own replicas of the depots this one relays (``RelayedReplica``),
    /// before their ops go up: the upstream takes a replica no engineer's name claims only
    /// so. Each once per run; a refused one stays here, held back with its reason, and is
    /// claimed again when the tree below this depot changes.
    public func claimSubDepotReplicas() async throws {
        let store = store
        let (claimed, refusedBefore) = (claimedReplicas.withLock { $0 }, refusedClaims.withLock { $0 })
        let claims = try await BlockingWork.run { try store.subDepotReplicas() }.filter { !claimed.contains($0) && !refusedBefore.contains($0) }
        guard !claims.isEmpty else { return }
        for page in stride(from: 0, to: claims.count, by: RelayedReplica.perRequest) {
            let part = Array(claims[page..<min(page + RelayedReplica.perRequest, claims.count)])
            let (status, body) = try await link.postJSON(DepotRoutes.replicasPath, body: try JSONEncoder().encode(["replicas": part]))
            // An upstream older than relay trees has no such route: nothing to claim there.
            if status == 404 { return }
            struct Answer: Decodable { let refused: [RelayedReplica.Refusal] }
            guard status == 200, let answer = try? JSONDecoder().decode(Answer.self, from: Data(body)) else {
                throw NodeError.badRequest("the upstream at \(link.url) would not take the replicas of the depots this one relays (HTTP \(status))")
            }
            let refusedNow = Set(answer.refused.map(\.replica))
            for refusal in answer.refused {
                logger.warning("the upstream refused a sub-depot's replica; its ops stay here", metadata: ["replica": .string(refusal.replica), "error": .string(refusal.why)])
            }
            let (taken, refused) = (part.filter { !refusedNow.contains($0.replica) }, part.filter { refusedNow.contains($0.replica) })
            claimedReplicas.withLock { $0.formUnion(taken) }
            refusedClaims.withLock { $0.formUnion(refused) }
            // One pushed before its claim went up was held back: it goes up now.
            heldBack.withLock { $0.subtract(taken.compactMap { ReplicaID($0.replica) }) }
        }
    }

    /// Follows the engineers central lists as this depot's: its scope is theirs, and a new
    /// one's tickets arrive whole by pulling again from the start (SPEC §8).
    public func followMembers() async throws {
        let (status, body) = try await link.get(DepotRoutes.membersPath)
        guard status == 200 else {
            throw NodeError.badRequest("the upstream at \(link.url) would not list this depot's engineers (HTTP \(status)): is the depot's token of role depot there?")
        }
        let members: [String]
        do { members = try JSONDecoder().decode([String].self, from: Data(body)) } catch {
            throw NodeError.badRequest("the upstream at \(link.url) sent an engineer list that cannot be read: \(error)")
        }
        // Names as a token's: anything else cannot be an engineer's, and is not kept.
        let names = members.filter(DepotMember.isEngineerName)
        let (store, url) = (store, link.url)
        if try await BlockingWork.run({ try store.followUpstreamMembers(url, names) }) {
            logger.info("the depot serves a new engineer: pulling again from the start", metadata: ["members": .string(names.joined(separator: ","))])
        }
    }

    /// One round trip: [hello, push, pull-request] → [hello, push-ack, pull-page], the page,
    /// its cursor and the ack committed together. A push the upstream refuses whole in a way
    /// one replica may cause (``isolating``: a device of an engineer central does not list as
    /// this depot's, a reused counter, an invalid op) is tried again replica by replica, and
    /// a replica refused alone is held back (said in status and the log) so it does not stop
    /// the others from going up.
    public func exchange() async throws -> Exchange {
        let (store, url) = (store, link.url)
        let skip = heldBack.withLock { $0 }
        var ops = try await BlockingWork.run { try store.opsForUpstream(url, limit: Self.pushPage, excluding: skip) }
        // After the upstream started (again): what it holds of every relayed replica, asked by
        // pushing the last op it acknowledged of each once more.
        // Cleared once an exchange carrying it went through (committed, or a gap recorded).
        let probe = probing.withLock { $0 }
        if probe {
            let (pushed, room) = (skip.union(ops.map(\.id.replica)), max(0, Self.pushPage - ops.count))
            ops += try await BlockingWork.run { try store.lastAcknowledgedOps(url, excluding: pushed, limit: room) }
        }
        let answer = try await roundTrip(ops)
        switch answer {
        case .committed(let moved):
            if probe { probing.withLock { $0 = false } }
            return moved
        case .regapped:
            if probe { probing.withLock { $0 = false } }
            // The upstream holds less than it acked before (restored from a backup): what it
            // holds now is recorded, and the next round sends the rest again.
            return Exchange(more: true)
        case .refused(let status, let refusal):
            let replicas = Set(ops.map(\.id.replica)).sorted()
            guard let code = refusal?.code, Self.isolating.contains(code), !replicas.isEmpty else {
                throw NodeError.badRequest("the upstream at \(url) refused the sync (HTTP \(status)): \(refusal.map { "\($0.code): \($0.message)" } ?? "no pull page")")
            }
            var moved = Exchange(more: true)
            for replica in replicas {
                switch try await roundTrip(ops.filter { $0.id.replica == replica }) {
                case .committed(let alone): moved.pushed += alone.pushed
                case .regapped: continue
                case .refused(_, let refusal) where refusal.map { Self.isolating.contains($0.code) } == true:
                    heldBack.withLock { _ = $0.insert(replica) }
                    let message = "replica \(replica) held back: the upstream refused it (\(refusal?.message ?? "forbidden")); its ops stay here"
                    logger.error("upstream refused a relayed replica", metadata: ["upstream": .string(url), "replica": .string(replica.rawValue), "error": .string(message)])
                    let now = clock()
                    try await BlockingWork.run { try store.noteUpstreamError(url, message, now: now) }
                case .refused(let status, let refusal):
                    throw NodeError.badRequest("the upstream at \(url) refused the sync (HTTP \(status)): \(refusal.map { "\($0.code): \($0.message)" } ?? "no pull page")")
                }
            }
            return moved
        }
    }

    /// Refusals of a push that may be one replica's doing: tried again replica by replica,
    /// so one device's ops the upstream will not take (not its depot's engineer, a counter
    /// reused after a restore, an op it finds invalid) stay here without stopping the rest.
    static let isolating: Set<ErrorCode> = [.forbidden, .conflictingOp, .invalidOp]

    /// Whether the next exchange asks what the upstream holds of every relayed replica: at
    /// the relay's start, and after the upstream's incarnation changed (it restarted, maybe
    /// from a backup, SPEC §3.2).
    private let probing = Mutex(true)
    /// Sub-depots' replicas claimed upstream since the relay started, and those refused
    /// since the tree below this depot last changed.
    private let claimedReplicas = Mutex<Set<RelayedReplica>>([])
    private let refusedClaims = Mutex<Set<RelayedReplica>>([])
    private let incarnation = Mutex<String?>(nil)

    /// Records the upstream's incarnation; a new one means the next exchange probes.
    private func noteIncarnation(_ seen: String?) {
        guard let seen, !seen.isEmpty else { return }
        let changed = incarnation.withLock { last in defer { last = seen }; return last != nil && last != seen }
        if changed {
            probing.withLock { $0 = true }
            // Restored from a backup, it may have lost the claims: they go up again.
            claimedReplicas.withLock { $0.removeAll() }
            refusedClaims.withLock { $0.removeAll() }
        }
    }

    /// Replicas the upstream refused alone: not pushed again until the node restarts.
    private let heldBack = Mutex<Set<ReplicaID>>([])

    private enum RoundTrip {
        case committed(Exchange)
        /// A counter gap: the upstream's ack, lower than recorded, was taken as the truth.
        case regapped
        case refused(status: Int, ErrorMessage?)
    }

    private func roundTrip(_ ops: [Op]) async throws -> RoundTrip {
        let (store, url) = (store, link.url)
        let state = try await BlockingWork.run { try store.upstreamState(url) }
        let own = store.identity.replica
        let body = UpstreamExchange.request(own: own, held: state.relayed[own] ?? 0, ops: ops, cursor: state.cursor, maxOps: Self.pullPage, clock: clock())
        let (status, reply) = try await link.postSync(body)
        let parsed: UpstreamExchange.Answer
        do { parsed = try UpstreamExchange.answer(reply) } catch {
            throw NodeError.badRequest("the upstream at \(url) answered HTTP \(status) with something that is not a whole FieldSync answer: \(error)")
        }
        let (ack, refusal) = (parsed.ack, parsed.refusal)
        noteIncarnation(parsed.incarnation)
        guard let page = parsed.page else {
            // SPEC §3.4: the ack is the truth about what the upstream holds, lower than before
            // too. A gap means it lost ops it had acked (a restore): record what it holds (the
            // cursor stays) and send the rest again, instead of stopping.
            // A replica the ack leaves out is held up to 0 (SPEC §3.4). Only an ack lower than
            // the one recorded is news; any other gap is refused as it is (no retry loop).
            var truth = ack
            for op in ops where truth[op.id.replica] == nil { truth[op.id.replica] = 0 }
            if refusal?.code == .counterGap, truth.contains(where: { replica, held in held < (state.held[replica] ?? 0) }) {
                let (now, acked, cursor) = (clock(), truth, state.cursor)
                try await BlockingWork.run { try store.commitUpstreamPage(url, ops: [], cursor: cursor, acked: acked, now: now) }
                logger.warning("the upstream holds less than it acknowledged (restored from a backup?): sending again", metadata: ["upstream": .string(url)])
                return .regapped
            }
            return .refused(status: status, refusal)
        }
        if let refusal { logger.warning("the upstream refused part of a push", metadata: ["upstream": .string(url), "error": .string(refusal.message)]) }
        let (now, acked) = (clock(), ack)
        let applied = try await BlockingWork.run { try store.commitUpstreamPage(url, ops: page.ops, cursor: page.nextCursor, acked: acked, now: now) }
        let pushed = ops.filter { ($0.id.counter) <= (ack[$0.id.replica] ?? 0) }.count
        return .committed(Exchange(pushed: pushed, pulled: applied.inserted, more: page.more || (ops.count >= Self.pushPage && pushed > 0)))
    }
}
