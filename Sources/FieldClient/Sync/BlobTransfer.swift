import FieldModel
import FieldStore
import Foundation
import Synchronization
import NIOHTTP1

/// Moves photos and signatures between a replica and its node, resumably: an upload
/// asks the node what it holds and sends only the rest, streamed from the file in chunks
/// sized to the link (`ChunkSizer`) that the node makes durable one by one; a blob the
/// node already has is never sent again.
public struct BlobTransfer: Sendable {
    /// Failures of one blob's transfer before giving up (the link keeps breaking).
    ///
    /// An upload first asks what the node holds (for all pending blobs in one request); a
    /// fetch goes straight to the download. After a failure, each attempt asks the node
    /// first: no answer means no signal, and that ends the command at once with one clear
    /// line (waiting would not help, and the work stays safe). A transfer that breaks after
    /// the node answered is a flaky link: the next attempt goes on from what the node (or
    /// this device) holds.
    static let attempts = 8
    /// How long a node leaves an upload that stopped sending before this principal's new
    /// upload may take it over (`UploadLease.Policy.idle`), and a little more.
    static let takeover: Duration = .seconds(11)
    /// The most a status or finish answer may hold (a small JSON object).
    static let answerBytes = 1 << 16

    /// Bytes moved so far, for progress lines.
    public struct Progress: Sendable {
        public var blobs = 0
        public var bytes: UInt64 = 0
        public var total: UInt64 = 0
        public var seconds = 0.0
        /// The link's measured rate in bytes per second (uploads: of the last chunk the
        /// node confirmed), nil until measured.
        public var rate: Double?
        /// The blob moving now (its SHA-256 in hex).
        public var current: String?
        /// Seconds until the last byte at the measured rate, when known.
        public var secondsLeft: Double? {
            guard let rate, rate > 0, total >= bytes else { return nil }
            return Double(total - bytes) / rate
        }
        /// Attachments a fetch left: the node does not hold them whole yet (their device
        /// has not sent them).
        public var notOnNode = 0
    }

    /// Where the blobs are and what is recorded of them: a device's replica, or a depot's
    /// node store and its blob folder (relaying to its upstream, M8).
    let store: ReplicaStore
    let blobs: BlobFolder
    let clock: @Sendable () -> UInt64
    /// The device, to fetch a ticket's or an article's blobs by name; nil for a depot.
    let replica: FieldReplica?
    let http: NodeHTTP

    /// What the node holds of a blob; for a complete one this device's principal has not
    /// proven it holds, the node's challenge nonce (SPEC §7.3).
    struct Held {
        var complete: Bool
        var bytes: UInt64
        var challenge: [UInt8]?
        /// Another upload's bytes are arriving at the node (SPEC §7.2): a chunk sent now
        /// would be refused.
        var uploading = false

        init(complete: Bool, bytes: UInt64, challenge: [UInt8]? = nil, uploading: Bool = false) {
            self.complete = complete
            self.bytes = bytes
            self.challenge = challenge
            self.uploading = uploading
        }

        init(_ answer: [String: Any]) {
            self.init(
                complete: answer["state"] as? String == "complete", bytes: (answer["bytes"] as? NSNumber)?.uint64Value ?? 0,
                challenge: (answer["challenge"] as? String).flatMap(Digest.init(hex:))?.bytes,
                uploading: answer["uploading"] as? Bool == true)
            provenOn = (answer["provenOn"] as? [String] ?? []).filter { EntityID($0) != nil }
        }

        /// To a depot: the tickets the node holds a proven reference to the blob on.
        var provenOn: [String] = []
    }

    public init(replica: FieldReplica, link: NodeLink) {
        self.init(store: replica.store, blobs: replica.blobs, link: link, clock: replica.clock, replica: replica)
    }

    /// A depot's transfer with its upstream: `store` records what the upstream confirmed
    /// holding (as a device does), `blobs` is the node's folder of complete blobs.
    public init(store: ReplicaStore, blobs: BlobFolder, link: NodeLink, clock: @escaping @Sendable () -> UInt64) {
        self.init(store: store, blobs: blobs, link: link, clock: clock, replica: nil)
    }

    init(store: ReplicaStore, blobs: BlobFolder, link: NodeLink, clock: @escaping @Sendable () -> UInt64, replica: FieldReplica?) {
        self.store = store
        self.blobs = blobs
        self.clock = clock
        self.replica = replica
        self.http = NodeHTTP(link: link)
    }

    /// The device this transfer works for (fetching by ticket or article is a device's).
    func device() throws -> FieldReplica {
        guard let replica else { throw ClientError(.badArgument, "fetching by ticket or article is for a device's replica") }
        return replica
    }

    /// Uploads every local blob the node has not confirmed. Returns what moved; a blob
    /// the node refuses (another's ticket) is reported in `refused`, the rest go on.
    public func uploadPending(progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> (Progress, refused: [String]) {
        let started = Date()
        var p = Progress()
        var refused: [String] = []
        let pending = try store.unconfirmedBlobs().filter { blobs.contains($0.digest) }
        p.total = Self.sum(pending.map(\.size))
        // What the node holds of every pending blob, in one round trip: on a field link
        // each round trip per photo costs more than a small photo's bytes.
        var known = pending.isEmpty ? [:] : try await statuses(pending.map(\.digest))
        // One link for every blob: what the first measured sizes the rest.
        var sizer = ChunkSizer()
        for blob in pending {
            var failures = 0
            let before = p
            while true {
                let held: Held
                do {
                    // Retries ask again: a broken attempt may have left more on the node.
                    if let answer = known.removeValue(forKey: blob.digest) { held = try answer.get() } else { held = try await status(blob.digest) }
                } catch let error as ClientError where error.code == .nodeRefused {
                    refused.append(error.message)
                    break
                }
                do {
                    // Progress counts this blob's bytes the node holds or that are on their way.
                    // The link's rate as the node's acknowledgements measure it, updated at
                    // every chunk of this photo (bytes handed to the kernel say nothing of the
                    // link: its buffers take them faster).
                    let rate = Mutex<Double?>(sizer.rate)
                    let sent = try await upload(blob.digest, from: held, sizer: &sizer, measured: { r in rate.withLock { $0 = r } }) { position in
                        var now = before
                        now.bytes += position
                        now.seconds = Date().timeIntervalSince(started)
                        now.rate = rate.withLock { $0 }
                        now.current = blob.digest.hex
                        progress(now)
                    }
                    if let sent {
                        p.blobs += 1
                        p.bytes += sent
                    }
                    try store.confirmBlob(blob.digest, now: clock())
                    break
                } catch let error as ClientError where error.code == .nodeRefused {
                    refused.append(error.message)
                    break
                } catch let error as ClientError where error.code == .nodeUnreachable {
                    failures += 1
                    if failures >= Self.attempts { throw error }
                    try await Task.sleep(for: .milliseconds(200 * failures))
                }
            }
        }
        p.seconds = Date().timeIntervalSince(started)
        p.rate = sizer.rate
        return (p, refused)
    }

    /// Uploads one blob from what the node holds; returns the bytes sent (acknowledged),
    /// nil if the node had it all already. `sent` gets this blob's position: bytes held by
    /// the node or handed to the link.
    ///
    /// A link that stalls (`StallRule`) ends the upload at once with what the node
    /// confirmed, in the engineer's words: another attempt would ask the same stalled link,
    /// and what arrived is kept for the next sync.
    func upload(
        _ digest: Digest, from known: Held, sizer: inout ChunkSizer, measured: @Sendable (Double) -> Void = { _ in },
        sent: @escaping @Sendable (UInt64) -> Void
    ) async throws -> UInt64? {
        let path = "/v1/blobs/\(digest.hex)"
        var held = known
        if held.complete {
            try await prove(digest, held)
            return nil
        }
        let file = blobs.path(for: digest)
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ClientError(.badArgument, "blob \(digest.hex.prefix(12)) is missing from this replica's blob folder")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ClientError(.badArgument, "cannot read \(file): errno \(errno)") }
        let size = UInt64(info.st_size)
        var acknowledged: UInt64 = 0
        var waited = false
        // How far the bytes handed to the link reached, for the engineer when it stalls.
        let handed = Mutex<UInt64>(known.bytes)
        let tracking: @Sendable (UInt64) -> Void = { position in
            handed.withLock { $0 = max($0, position) }
            sent(position)
        }
        while held.bytes < size {
            if held.uploading {
                held = try await waitOut(digest, held, sent: tracking)
                if held.complete {
                    try await prove(digest, held)
                    return acknowledged
                }
                guard !held.uploading else {
                    throw ClientError(.nodeRefused, "blob \(digest.hex.prefix(12)): another upload of it is in progress on the node; sync again in a minute")
                }
                continue
            }
            let started = Date()
            let length = sizer.length(remaining: size - held.bytes)
            // The last chunk asks the node to verify in the same request (a node that does
            // not know `finish` answers "partial", and the POST below finishes).
            let last = held.bytes + length == size ? "&finish=1" : ""
            let reply: NodeHTTP.Reply
            do {
                reply = try await http.put(
                    "\(path)?offset=\(held.bytes)\(last)", file: fd, offset: held.bytes, length: length, rate: sizer.rate, sent: tracking)
            } catch let error as ClientError where error.code == .linkStalled {
                throw Self.stalled(digest, sent: handed.withLock { max($0, held.bytes) }, confirmed: held.bytes, of: size)
            }
            guard reply.status == 200, let bytes = reply.json["bytes"] as? NSNumber else {
                // Only a different offset is worth another try: the node holds other than we
                // thought, so go on from what it holds. Anything else (scope, size, an upload
                // of the same blob under way) is the node's answer, not a reason to loop.
                let refusal = ClientError(.nodeRefused, "blob \(digest.hex.prefix(12)): \(reply.message)")
                guard reply.status == 409 else { throw refusal }
                let now = try await status(digest)
                // Whole on the node already (another device, or a finish that raced ours).
                if now.complete {
                    try await prove(digest, now)
                    return acknowledged
                }
                if now.uploading {
                    // Another upload's bytes are arriving (our own stopped sync's, still
                    // draining from a buffering link): wait them out at the loop's top.
                    held = now
                    continue
                }
                if now.bytes == held.bytes {
                    // An earlier upload of ours holds the blob: one whose link died without the
                    // node noticing. The node gives its lease to us once it has been idle for
                    // `takeover` (SPEC §7.2): wait that long once rather than fail the sync.
                    guard !waited else { throw refusal }
                    waited = true
                    try await Task.sleep(for: Self.takeover)
                    continue
                }
                held = now
                continue
            }
            guard bytes.uint64Value > held.bytes, bytes.uint64Value <= size else {
                throw ClientError(.badResponse, "the node acknowledged byte \(bytes) of blob \(digest.hex.prefix(12)) after sending from \(held.bytes): upgrade the node or report this")
            }
            acknowledged += bytes.uint64Value - held.bytes
            sizer.measured(bytes: bytes.uint64Value - held.bytes, seconds: Date().timeIntervalSince(started))
            if let rate = sizer.rate {
                measured(rate)
                // Redraw with it now: the next chunk's first bytes may be a while.
                tracking(bytes.uint64Value)
            }
            held = Held(reply.json)
        }
        if held.complete {
            // Someone else's upload finished it meanwhile: prove we hold it too.
            try await prove(digest, held)
            return acknowledged
        }
        let done = try await http.send(.POST, "\(path)/finish", expectBytes: Self.answerBytes)
        guard done.status == 200 else {
            throw ClientError(.nodeRefused, "the node refused blob \(digest.hex.prefix(12)): \(done.message)")
        }
        try await prove(digest, Held(done.json))
        return acknowledged
    }

    /// Waits while another upload of the blob holds it on the node, most often this
    /// device's own stopped sync, whose chunk a buffering link (or this machine's socket
    /// buffers) still delivers for a while after it stopped: those bytes are progress, and
    /// a chunk of ours would only be refused and queue behind them. Returns once the node
    /// lets a new upload in, the blob is whole, or nothing arrived for `takeover` (the
    /// lease is then idle, ours to take; a lease of another principal stays: the caller
    /// says so). `sent` follows what the node holds.
    func waitOut(_ digest: Digest, _ held: Held, sent: @Sendable (UInt64) -> Void) async throws -> Held {
        var now = held
        var moved = ContinuousClock.now
        while now.uploading, !now.complete, ContinuousClock.now - moved < Self.takeover {
            try await Task.sleep(for: Self.uploadPoll)
            let next = try await status(digest)
            if next.bytes != now.bytes {
                moved = .now
                sent(next.bytes)
            }
            now = next
        }
        return now
    }
    /// How often `waitOut` asks: a status costs ~1 KB each way, half a second at 2 KB/s.
    static let uploadPoll: Duration = .seconds(2)

    /// A stalled upload, in the engineer's words: how much of which photo went out (and,
    /// when less, how much the node confirmed), and that the next sync goes on from what
    /// the node holds.
    static func stalled(_ digest: Digest, sent: UInt64, confirmed: UInt64, of size: UInt64) -> ClientError {
        let confirmation = confirmed < sent ? " (\(megabytes(confirmed)) confirmed by the node)" : ""
        return ClientError(
            .linkStalled,
            "the link is too slow or stalled: \(megabytes(sent)) of \(megabytes(size)) of photo \(digest.hex.prefix(4))… sent\(confirmation), will resume at the next sync (your work is safe in this replica)")
    }

    /// Bytes for people: "360 KB", "1.2 MB".
    static func megabytes(_ bytes: UInt64) -> String {
        bytes < 1_000_000 ? "\(bytes / 1000) KB" : String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }

    /// Answers the node's challenge for a blob it holds whole, if it set one: this device
    /// attached it, and the node lets the attachment grant downloads only once the device
    /// shows it holds the bytes (SPEC §7.3). Costs one request and one pass over the file.
    func prove(_ digest: Digest, _ held: Held) async throws {
        guard held.complete, let nonce = held.challenge else { return }
        let proof = try BlobProof.compute(nonce: nonce, file: blobs.path(for: digest))
        let body = try JSONSerialization.data(withJSONObject: ["nonce": Digest(bytes: nonce)?.hex ?? "", "proof": proof.hex])
        let reply = try await http.send(
            .POST, "/v1/blobs/\(digest.hex)/prove", body: [UInt8](body), headers: [("Content-Type", "application/json")],
            expectBytes: Self.answerBytes)
        guard reply.status == 200 else {
            throw ClientError(.nodeRefused, "the node did not accept that this device holds blob \(digest.hex.prefix(12)): \(reply.message)")
        }
    }

    /// Sizes come from ops, which any device may write: a total that would overflow is
    /// shown as the most there is rather than crash the command.
    static func sum(_ sizes: [UInt64]) -> UInt64 {
        sizes.reduce(0) { total, size in
            let (sum, overflow) = total.addingReportingOverflow(size)
            return overflow ? .max : sum
        }
    }

    /// What the node holds of each of `digests` (a refusal for those the caller may not
    /// move), in as few requests as the node allows; empty from a node that answers only
    /// one blob at a time (`status` then asks for each).
    func statuses(_ digests: [Digest]) async throws -> [Digest: Result<Held, ClientError>] {
        var out: [Digest: Result<Held, ClientError>] = [:]
        for start in stride(from: 0, to: digests.count, by: Self.statusesPerRequest) {
            let part = digests[start..<min(digests.count, start + Self.statusesPerRequest)]
            let query = try JSONSerialization.data(withJSONObject: ["blobs": part.map(\.hex)])
            let reply = try await http.send(
                .POST, "/v1/blobs/status", body: [UInt8](query), headers: [("Content-Type", "application/json")],
                expectBytes: Self.answerBytes * 4 + part.count * 512)
            // A node without the endpoint (404/405), or anything in between that will not
            // take the list (a proxy's body limit, a smaller cap): ask blob by blob.
            guard reply.status == 200, let entries = reply.json["blobs"] as? [[String: Any]] else { return [:] }
            for entry in entries {
                guard let digest = (entry["sha"] as? String).flatMap(Digest.init(hex:)) else { continue }
                let state = entry["state"] as? String
                if state == "refused" {
                    out[digest] = .failure(ClientError(.nodeRefused, "blob \(digest.hex.prefix(12)): \(entry["message"] as? String ?? "refused")"))
                } else {
                    out[digest] = .success(Held(entry))
                }
            }
        }
        return out
    }
    static let statusesPerRequest = 1_000

    func status(_ digest: Digest) async throws -> Held {
        let reply = try await http.send(.GET, "/v1/blobs/\(digest.hex)/status", expectBytes: Self.answerBytes)
        guard reply.status == 200 else { throw ClientError(.nodeRefused, "blob \(digest.hex.prefix(12)): \(reply.message)") }
        return Held(reply.json)
    }

    /// Downloads every attachment of `ticket` that is not on this device, resuming a
    /// download that broke; each is verified by its SHA-256 before it becomes local.
    public func fetch(ticket raw: String, progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> Progress {
        let t = try device().ticket(raw)
        let missing = Dictionary(t.attachments.map { ($0.attachment.sha256, $0.attachment.byteSize) }) { a, _ in a }
            .filter { !blobs.contains($0.key) }
        return try await fetch(missing, again: "fieldsync fetch \(raw)", progress: progress)
    }

    /// Downloads the images of an article on this device that are not here yet (fetched on
    /// demand: a device holds an article's text from its sync, its pictures when asked).
    public func fetch(article raw: String, progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> Progress {
        let replica = try device()
        let article = try replica.article(raw)
        // The op gives no sizes: progress counts bytes without a total.
        let missing = Dictionary(replica.missingImages(of: article).map { ($0, UInt64(0)) }) { a, _ in a }
        return try await fetch(missing, again: "fieldsync kb fetch \(raw)", progress: progress)
    }

    /// Downloads those of `wanted` (digest → size) the node holds whole, asking for all of
    /// them in one request first: a depot fetching what its upstream has for its engineers'
    /// tickets (M8), while photos their devices have not sent yet are skipped, not asked for
    /// one by one at every sync.
    /// Returns what moved. `fetched` is told of each blob as soon as it is here, with the
    /// tickets the node named as holding a proven reference to it (a depot lets its engineers
    /// download it through those only), so what a failure later in the pass stops is only
    /// what comes after.
    public func fetchHeld(_ wanted: [Digest: UInt64], fetched: (Digest, [String]) throws -> Void = { _, _ in }) async throws -> Progress {
        guard !wanted.isEmpty else { return Progress() }
        let known = try await statuses(Array(wanted.keys))
        let held = wanted.filter { entry in (try? known[entry.key]?.get())?.complete == true }
        var moved = Progress()
        // One by one: a blob the node holds but will not give (no proven reference in scope)
        // is refused alone and left, not a stop for the others.
        for (digest, size) in held.sorted(by: { $0.key < $1.key }) {
            do {
                let p = try await fetch([digest: size], again: "the next upstream sync", progress: { _ in })
                moved.blobs += p.blobs
                moved.bytes += p.bytes
                if p.blobs > 0 {
                    try fetched(digest, (try? known[digest]?.get())?.provenOn ?? [])
                }
            } catch let error as ClientError where error.code == .nodeRefused {
                moved.notOnNode += 1
            }
        }
        return moved
    }

    /// Downloads `missing` (digest → size, 0 when unknown); `again` is the command that
    /// goes on after a failure, for the engineer.
    func fetch(_ missing: [Digest: UInt64], again: String, progress: @escaping @Sendable (Progress) -> Void) async throws -> Progress {
        let started = Date()
        var p = Progress()
        // No answer: no signal, give up now (see `attempts`).
        let noSignal = ClientError(
            .nodeUnreachable, "cannot reach the node at \(http.link.url): what arrived is kept; run `\(again)` again when you have signal")
        p.total = Self.sum(Array(missing.values))
        for (digest, size) in missing.sorted(by: { $0.key < $1.key }) {
            var failures = 0
            let before = p
            // Its device has not sent it yet: fetch the others, and say so.
            func notOnNode() {
                p.notOnNode += 1
                p.total -= min(size, p.total)
            }
            while true {
                // The first attempt is the download itself: one round trip per attachment.
                // After a failure, ask first: no answer is no signal, and the node may no
                // longer hold the blob at all.
                if failures > 0 {
                    let held: Held
                    do { held = try await status(digest) } catch let error as ClientError where error.code == .nodeUnreachable {
                        throw noSignal
                    }
                    guard held.complete else {
                        notOnNode()
                        break
                    }
                }
                do {
                    let attempt = Date()
                    let got = try await download(digest, size: size) { n in
                        var now = before
                        now.bytes += n
                        now.seconds = Date().timeIntervalSince(started)
                        now.current = digest.hex
                        // Bytes written here arrived: their rate is the link's (after a second,
                        // so one quick piece does not say the link is fast).
                        let elapsed = Date().timeIntervalSince(attempt)
                        if elapsed >= 1 { now.rate = Double(n) / elapsed }
                        progress(now)
                    }
                    p.bytes += got
                    p.blobs += 1
                    break
                } catch let error as ClientError where error.code == .linkStalled {
                    throw ClientError(
                        .linkStalled,
                        "the link is too slow or stalled: photo \(digest.hex.prefix(4))… stopped arriving; what arrived is kept; run `\(again)` again to continue")
                } catch let error as ClientError where error.code == .blobNotOnNode {
                    notOnNode()
                    break
                } catch let error as ClientError where error.code == .nodeUnreachable {
                    failures += 1
                    if failures >= Self.attempts { throw error }
                    try await Task.sleep(for: .milliseconds(200 * failures))
                }
            }
        }
        return p
    }

    /// Downloads one blob, from what a broken fetch kept; returns the bytes it holds.
    func download(_ digest: Digest, size: UInt64, received: @escaping @Sendable (UInt64) -> Void) async throws -> UInt64 {
        let partial = blobs.fetchPath(for: digest)
        try FileManager.default.createDirectory(
            atPath: (partial as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let have = ((try? FileManager.default.attributesOfItem(atPath: partial))?[.size] as? NSNumber)?.uint64Value ?? 0
        // Hashed beside the download (from what a broken fetch kept on), so it is verified
        // without a second pass.
        let follower = BlobHashFollower(path: partial)
        follower.advance(to: have)
        let sink = try BlobSink(path: partial, at: have, follower: follower)
        defer { sink.close() }
        do {
            try await http.download("/v1/blobs/\(digest.hex)", to: sink) { n in received(have + n) }
        } catch let error as ClientError where error.code != .nodeUnreachable {
            // Refused before a byte came (not there yet, scope, range): leave no empty file.
            if have == 0 && sink.written == 0 { try? FileManager.default.removeItem(atPath: partial) }
            throw error
        }
        guard try blobs.adoptFetched(digest, follower: sink.follower) else {
            throw ClientError(.badResponse, "blob \(digest.hex.prefix(12)) from the node does not match its hash: it was discarded; fetch again")
        }
        // It came from the node, so the node holds it: never upload it back.
        try store.confirmBlob(digest, now: clock())
        return sink.written
    }
}
