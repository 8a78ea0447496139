import FieldModel
import FieldStore
import FieldWire
import Foundation

/// Bundles at a site with no uplink (M8, SPEC §11): `bundle export --for PEER` writes what
/// PEER, its upstream, lacks (the relay's push and pull request, and the photos the
/// upstream has not confirmed), and `bundle import` takes in PEER's answer as the relay
/// takes an answer over HTTP. The site's sync state with PEER is kept as an upstream's,
/// under `bundle:PEER`, so a site may switch between a link and bundles.
public struct SiteBundles: Sendable {
    let store: ReplicaStore
    let blobs: BlobFolder
    let clock: @Sendable () -> UInt64

    /// Ops one bundle carries at most; the rest go in the next, after the answer came back.
    public static let maxOps = 500_000

    public init(dataDirectory: String, clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }) throws {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/node.sqlite") else {
            throw NodeError.notFound("no node at \(dataDirectory): bundles are made and taken in by a node's data folder")
        }
        self.init(store: try NodeData.open(dataDirectory), blobs: FileBlobStore(root: dataDirectory).complete, clock: clock)
    }

    init(store: ReplicaStore, blobs: BlobFolder, clock: @escaping @Sendable () -> UInt64) {
        self.store = store
        self.blobs = blobs
        self.clock = clock
    }

    /// The key of a peer's sync state.
    static func upstreamKey(_ peer: String) -> String { ReplicaStore.bundleUpstreamPrefix + peer }

    /// What an export or an import moved.
    public struct Report: Sendable, Codable {
        public var role: String
        public var bundle: String
        public var bytes: UInt64 = 0
        public var frames = 0
        public var ops = 0
        public var blobs = 0
        public var blobBytes: UInt64 = 0
        /// An import's: ops new here.
        public var applied = 0
        /// What the other side refused (its error messages).
        public var refused: [String] = []
        /// A request's: ops left for the next bundle.
        public var opsLeft: UInt64 = 0
    }

    /// Writes the request for `peer` to `path`: every op the peer has not acknowledged, the
    /// pull request from where the last answer left off, the photos it has not confirmed,
    /// and the engineers' proofs of possession for them. It is sealed with the token's hash,
    /// which authenticates it at the peer as the token would a sync. Changes nothing here: exporting again writes the same
    /// and more.
    public func export(peer: String, token: String, to path: String) throws -> Report {
        guard !peer.isEmpty, peer.utf8.count <= 64, ReplicaID.isValid(peer) else {
            throw NodeError.badRequest("--for \(String(reflecting: peer)) must be 1–64 letters, digits, '.', '_' or '-': the name you give the upstream")
        }
        let key = Self.upstreamKey(peer)
        let state = try store.upstreamState(key)
        let ops = try store.opsForUpstream(key, limit: Self.maxOps)
        let own = store.identity.replica
        // A frame per replica (at most a push page each), so a replica the upstream refuses
        // (not its depot's engineer, a reused counter) holds back its own frame only; the pull
        // request alone in the last frame, so it is answered whatever was refused.
        var frames: [[UInt8]] = []
        let held = state.relayed[own] ?? 0
        for (_, replicaOps) in Dictionary(grouping: ops, by: \.id.replica).sorted(by: { $0.key < $1.key }) {
            for start in stride(from: 0, to: replicaOps.count, by: UpstreamRelay.pushPage) {
                let page = Array(replicaOps[start..<min(replicaOps.count, start + UpstreamRelay.pushPage)])
                frames.append(UpstreamExchange.request(own: own, held: held, ops: page, cursor: nil, maxOps: UpstreamRelay.pullPage, clock: clock()))
            }
        }
        frames.append(UpstreamExchange.request(own: own, held: held, ops: [], cursor: state.cursor, maxOps: UpstreamRelay.pullPage, clock: clock()))
        let waiting = try store.blobsNotConfirmed().filter { blobs.contains($0.key) }.sorted { $0.key < $1.key }
        var sizes: [(Digest, UInt64)] = []
        for (digest, _) in waiting {
            let size = ((try? FileManager.default.attributesOfItem(atPath: blobs.path(for: digest)))?[.size] as? NSNumber)?.uint64Value ?? 0
            sizes.append((digest, size))
        }
        var header = BundleHeader(role: .request, from: own.rawValue, peer: peer, created: clock())
        header.manifest = .init(frames: frames.count, ops: ops.count, blobs: sizes.map { .init(sha: $0.0.hex, bytes: $0.1) })
        header.vouches = try store.blobVouches(for: sizes.map(\.0)) + store.blobVouches()
        let claims = try store.subDepotReplicas()
        if !claims.isEmpty { header.claims = claims }
        header.answered = try store.bundleAnswered(key)
        let writer = try BundleWriter(path: path)
        try writer.header(header)
        for frame in frames { try writer.frame(frame) }
        for (digest, size) in sizes { try writer.blob(digest, file: blobs.path(for: digest), size: size) }
        // Sealed with the token's hash: the upstream knows which depot sent it, and the token
        // itself is not on the stick.
        _ = try writer.finish(seal: BundleFile.sealKey(token: token))
        var report = Report(role: "request", bundle: path)
        report.bytes = writer.bytes
        report.frames = frames.count
        report.ops = ops.count
        report.blobs = sizes.count
        report.blobBytes = sizes.reduce(0) { $0 &+ $1.1 }
        let backlog = try store.upstreamBacklog(key)
        report.opsLeft = backlog > UInt64(ops.count) ? backlog - UInt64(ops.count) : 0
        return report
    }

    /// Takes in `file`, the upstream's answer to this site's request: its acks and pull
    /// pages as the relay commits an exchange (each page with its cursor and acks in one
    /// transaction), the photos it sent (each verified), and the engineers and tokens it
    /// lists for this depot. Taking it in twice changes nothing more.
    func importAnswer(_ file: BundleFile, token: String) throws -> Report {
        let header = file.header
        guard header.role == .answer else {
            throw NodeError.badBundle("\((file.path as NSString).lastPathComponent) is a request, not an answer: take it to the upstream (`bundle import` there)")
        }
        let own = store.identity.replica.rawValue
        guard header.to == own else {
            throw NodeError.badBundle("this bundle answers node \(header.to ?? "?"), not this one (\(own)): nothing was applied")
        }
        // Sealed with this site's token's hash: written by its upstream (it adds tokens and ops
        // here), not by whoever holds the stick, who holds neither the token nor its hash.
        guard file.isSealed(by: BundleFile.sealKey(token: token)) else {
            throw NodeError.badBundle("this answer is not sealed with this site's token: it was not written by its upstream, or the token given is not the one exported with; nothing was applied")
        }
        let key = Self.upstreamKey(header.peer)
        // An older answer after a newer one would take back tokens and members the newer
        // brought: refused. The same one again changes nothing.
        if let newest = try store.bundleAnswered(key), header.created < newest {
            throw NodeError.badBundle("this answer is older than one taken in already (written \(UTCTime.iso8601(millis: header.created))): nothing was applied; take in the newest")
        }
        var report = Report(role: "answer", bundle: file.path)
        report.bytes = file.size
        report.frames = file.frames.count
        for index in file.frames.indices {
            let answer = try UpstreamExchange.answer(try file.frame(index))
            if let refusal = answer.refusal {
                report.refused.append("\(refusal.code): \(refusal.message)")
                try store.noteUpstreamError(key, "\(refusal.code): \(refusal.message)", now: clock())
            }
            let cursor = try answer.page?.nextCursor ?? store.upstreamState(key).cursor
            let applied = try store.commitUpstreamPage(key, ops: answer.page?.ops ?? [], cursor: cursor, acked: answer.ack, now: clock())
            report.ops += answer.page?.ops.count ?? 0
            report.applied += applied.inserted
        }
        let now = clock()
        for (index, blob) in file.blobs.enumerated() {
            // Proof per ticket for every blob the answer lists, held here already or not.
            for ticket in header.manifest.blobs[index].provenOn ?? [] where EntityID(ticket) != nil {
                try store.recordPossession(blob.digest, principal: ReplicaStore.upstreamPossession(on: ticket), now: now)
            }
            if blobs.contains(blob.digest) { continue }
            let partial = blobs.fetchPath(for: blob.digest)
            try FileManager.default.createDirectory(atPath: (partial as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try file.copyBlob(index, to: partial)
            guard try blobs.adoptFetched(blob.digest) else {
                throw NodeError.badBundle("blob \(blob.digest.hex.prefix(12)) changed while it was read: take the bundle in again")
            }
            try store.confirmBlob(blob.digest, now: now)
            report.blobs += 1
            report.blobBytes += blob.bytes.upperBound - blob.bytes.lowerBound
        }
        for sha in header.held ?? [] { if let digest = Digest(hex: sha) { try store.confirmBlob(digest, now: now) } }
        try store.noteVouched(header.vouches ?? [])
        if let tokens = header.tokens { _ = try store.adoptUpstreamTokens(tokens, from: key, now: now) }
        if let tree = header.tree { try store.adoptUpstreamTree(tree, from: key) }
        try store.noteBundleAnswered(key, created: header.created)
        if let members = header.members {
            try store.followUpstreamMembers(key, members.filter(DepotMember.isEngineerName))
        }
        return report
    }
}
