import FieldModel
import FieldStore
import FieldWire
import Foundation
import NIOCore

/// The upstream's side of a bundle (M8, SPEC §11): `bundle import` of a site's request takes
/// it in with exactly the checks a sync gets (the seal made with a depot token's hash
/// authenticates it as the token would a sync, then each frame goes through ``SyncService`` for scope, counters
/// and op checksums, and each blob through the node's blob store for scope, size and hash),
/// and writes the answer: the acks and pull pages, the photos the pages' ops refer to, and,
/// for a depot, its engineers and their tokens' hashes. Taking a request in twice answers
/// the same and stores nothing twice.
struct CentralBundles: Sendable {
    let sync: SyncService
    let store: any NodeStore
    let blobs: any NodeBlobStore
    let nodeReplica: ReplicaID
    /// The largest photo the node takes, whatever an op declares.
    let maxAttachmentBytes: UInt64
    let clock: @Sendable () -> UInt64

    /// Pull pages one answer carries at most (each of `UpstreamRelay.pullPage` ops); the
    /// site's next bundle asks for the rest.
    static let maxPages = 100

    func answer(_ file: BundleFile, to path: String) async throws -> SiteBundles.Report {
        let header = file.header
        guard header.role == .request else {
            throw NodeError.badBundle("\((file.path as NSString).lastPathComponent) is an answer, not a request: take it to the site it answers")
        }
        // The live depot token whose hash seals it says who sent it (a few depots: an HMAC each).
        guard let sender = try await store.depotTokens().first(where: { file.isSealed(by: BundleFile.sealKey(hash: $0.sha256)) }) else {
            throw NodeError.badBundle(
                "the bundle is sealed with no live depot token here (unknown or revoked): nothing was applied; make the site's with `token create --role depot`")
        }
        let principal = Principal(name: sender.record.name, role: .depot)
        let key = BundleFile.sealKey(hash: sender.sha256)
        guard let site = ReplicaID(header.from) else { throw NodeError.badBundle("the bundle names no replica it comes from: nothing was applied") }
        var report = SiteBundles.Report(role: "answer", bundle: path)
        // A depot's engineers and tokens as they stand before the pages are read: an engineer
        // added meanwhile is then news to the site, whose next pull starts over for them.
        var members: [String]?
        var tokens: [TokenHash]?
        var tree: DepotTree?
        if principal.role == .depot {
            let whole = try await store.depotTree(of: principal.name)
            members = whole.seen(by: principal.name)
            tree = try await store.tree(below: principal.name, of: whole)
            tokens = try await store.memberTokens(of: principal.name)
        }
        // What the site says it holds of its own replica: the extra pull requests say the
        // same, or the node would take the site for restored and push its own ops back.
        var siteHeld: UInt64 = 0
        var answers: [[UInt8]] = []
        var cursor: [UInt8]?
        var more = false
        // The sub-depots' own replicas first, so their frames are taken as theirs.
        if let claims = header.claims, !claims.isEmpty {
            let refused = try await store.claimRelayedReplicas(Array(claims.prefix(RelayedReplica.perRequest)), by: principal.name)
            report.refused += refused.map { "replica \($0.replica) not claimed: \($0.why)" }
        }
        // The site's frames, in order, each as a sync.
        for index in file.frames.indices {
            let frame = try file.frame(index)
            for case .hello(let hello) in try Frame.decode(frame) where hello.replica == site { siteHeld = hello.have[site] }
            let outcome = await sync.handle(frame, principal: principal)
            report.applied += outcome.opsIn
            answers.append(outcome.body)
            let answer = try UpstreamExchange.answer(outcome.body)
            if let refusal = answer.refusal { report.refused.append("\(refusal.code): \(refusal.message)") }
            if let page = answer.page {
                cursor = page.nextCursor
                more = page.more
            }
        }
        // Its blobs, after the ops that refer to them.
        var held: [String] = []
        for (index, blob) in file.blobs.enumerated() {
            // One blob refused (scope, size, a full disk) refuses that blob, not the answer:
            // the ops are in, and the site must hear back.
            do {
                try await take(file, blob: index, as: principal)
                held.append(blob.digest.hex)
            } catch {
                report.refused.append("blob \(blob.digest.hex.prefix(12)): \(error)")
            }
        }
        var vouched: [BlobVouch] = []
        if principal.role == .depot, let vouches = header.vouches, !vouches.isEmpty {
            let done = try await DepotVouching(store: store, blobs: blobs, clock: clock).vouch(vouches, by: principal)
            report.refused += done.refused
            // Echoed only for blobs this node holds the depot's proof of: the others the site
            // sends again with its next bundle.
            vouched = done.held
        }
        // What the site lacks beyond the first page, page after page.
        var pages = 0
        while more, let from = cursor, pages < Self.maxPages {
            let body = UpstreamExchange.request(own: site, held: siteHeld, ops: [], cursor: from, maxOps: UpstreamRelay.pullPage, clock: clock())
            let outcome = await sync.handle(body, principal: principal)
            let answer = try UpstreamExchange.answer(outcome.body)
            guard let page = answer.page else {
                report.refused.append(answer.refusal.map { "\($0.code): \($0.message)" } ?? "a pull page was not answered")
                break
            }
            answers.append(outcome.body)
            (cursor, more, pages) = (page.nextCursor, page.more, pages + 1)
        }
        // The photos the pages' ops refer to, that this node holds whole and the site may have.
        var sending: [(Digest, BlobContent, [String])] = []
        var seen = Set(file.blobs.map(\.digest))
        var pushed = 0
        for body in answers {
            for case .push(let push) in try Frame.decode(body) { pushed += push.ops.count }
            for op in try UpstreamExchange.answer(body).page?.ops ?? [] {
                report.ops += 1
                guard case .attachmentAdded(let a) = op.body, seen.insert(a.sha256).inserted else { continue }
                let proven = try await blobs.provenTickets(a.sha256, for: principal)
                guard !proven.isEmpty, let content = try await blobs.content(of: a.sha256) else { continue }
                sending.append((a.sha256, content, proven))
            }
        }
        // Later than the newest answer the site took in, whatever this clock says (it may have
        // stepped back): the site takes in only answers newer than that one.
        let created = max(clock(), min(header.answered ?? 0, .max - 1) + 1)
        var out = BundleHeader(role: .answer, from: nodeReplica.rawValue, peer: header.peer, created: created)
        out.to = header.from
        out.answers = file.checksum.hex
        out.held = held
        out.vouches = vouched
        out.manifest = .init(frames: answers.count, ops: pushed, blobs: sending.map { .init(sha: $0.0.hex, bytes: $0.1.size, provenOn: $0.2) })
        out.members = members
        out.tokens = tokens
        out.tree = tree
        let writer = try BundleWriter(path: path)
        try writer.header(out)
        for body in answers { try writer.frame(body) }
        for (digest, content, _) in sending {
            try writer.beginBlob(digest, size: content.size)
            for try await piece in content.pieces() { try writer.append(Array(piece.readableBytesView)) }
        }
        // Sealed as the request was: the site knows it was answered here.
        _ = try writer.finish(seal: key)
        report.bytes = writer.bytes
        report.frames = answers.count
        report.blobs = sending.count
        report.blobBytes = sending.reduce(0) { $0 &+ $1.1.size }
        return report
    }

    /// Stores one of the bundle's blobs as an upload from `principal` would be: only a blob an
    /// op in its scope refers to, no larger than the op says; bytes it holds already are
    /// not written again, and it proves `principal` holds the blob (the bytes hash to it).
    func take(_ file: BundleFile, blob index: Int, as principal: Principal) async throws {
        let (digest, range) = file.blobs[index]
        let size = range.upperBound - range.lowerBound
        let short = digest.hex.prefix(12)
        switch try await blobs.access(digest, for: principal) {
        case .forbidden: throw NodeError.badRequest("blob \(short): on tickets not assigned to \(principal.name); not stored")
        case .unreferenced: throw NodeError.badRequest("blob \(short): no op refers to it; not stored")
        case .allowed(let maxSize):
            // 0: an article's image, which central stores and nobody uploads.
            guard maxSize > 0, size <= min(maxSize, maxAttachmentBytes) else {
                throw NodeError.badRequest("blob \(short): \(size) bytes, over what its op declares (\(maxSize)) or the node takes; not stored")
            }
        }
        // Twice at most: bytes held before that do not match are discarded by `finish`.
        for _ in 0..<2 {
            let from: UInt64
            switch try await blobs.state(of: digest) {
            case .complete:
                try await blobs.recordPossession(digest, principal: principal.name, now: clock())
                return
            case .partial(let bytes) where bytes <= size: from = bytes
            case .partial: throw NodeError.badRequest("blob \(short): the node holds more of it than its size; not stored")
            case .absent: from = 0
            }
            try await blobs.ensureRoom(for: size - from)
            let upload = try await blobs.beginUpload(digest, at: from, holder: principal.name)
            do {
                var at = range.lowerBound + from
                while at < range.upperBound {
                    let piece = try BundleFile.read(file.path, at..<min(range.upperBound, at + (1 << 20)))
                    try await upload.append(ByteBuffer(bytes: piece))
                    at += UInt64(piece.count)
                }
                try await upload.close()
            } catch {
                try? await upload.close()
                throw error
            }
            if try await blobs.finish(digest) {
                try await blobs.recordPossession(digest, principal: principal.name, now: clock())
                return
            }
        }
        throw NodeError.badRequest("blob \(short): what the node held of it did not match; not stored")
    }
}
