import FieldModel
import FieldStore
import Foundation
import HTTPTypes
import Hummingbird
import Metrics

/// Blob endpoints, by SHA-256 (resumable, chunked, verified):
///
/// - `GET  /v1/blobs/:sha/status`      → `{"state": "complete"|"partial"|"absent", "bytes": N}`
///   (and a `challenge` nonce for a complete blob the caller has not proven it holds)
/// - `POST /v1/blobs/status`           → the same for many blobs at once (`statuses`)
/// - `PUT  /v1/blobs/:sha?offset=N`    → appends the body at N (N must be what the node
///   holds); durable (fsync) before the answer `{"bytes": held}`. A cut connection keeps
///   what arrived, so the next upload resumes there. `&finish=1` then finishes (below).
/// - `POST /v1/blobs/:sha/finish`      → verifies the SHA-256; only then is the blob
///   visible. A mismatch is 422 and the partial data is discarded.
/// - `GET|HEAD /v1/blobs/:sha` (`Range`) → the blob (`BlobDownload`).
/// - `POST /v1/blobs/:sha/challenge`, `…/prove` → proof of possession (`BlobPossession`).
///
/// Scope: a blob moves only if an op on a ticket in the caller's scope refers to it (403
/// otherwise); a blob no op refers to is refused (409), so a node never stores bytes it
/// cannot attribute: devices sync ops first, then blobs. A download also needs a proven
/// holder among those references (`NodeBlobStore.mayDownload`).
///
/// Storage is a ``NodeBlobStore``: files and SQLite (a depot), or PostgreSQL shared by
/// several nodes; everything here holds for both.
struct BlobRoutes {
    let blobs: any NodeBlobStore
    /// Downloads of a blob kept in a file go by sendfile (`BlobFileSender` is in the
    /// pipeline: plain HTTP).
    let sendsFiles: Bool
    let partials: PartialUploads
    /// The largest attachment the node takes, whatever an op declares.
    let maxAttachmentBytes: UInt64
    let clock: @Sendable () -> UInt64

    struct Status: ResponseEncodable {
        let state: String
        let bytes: UInt64
        /// A nonce to prove possession with (SPEC §7.3), for a complete blob the caller
        /// has not proven it holds.
        var challenge: String?
        /// For a partial blob: another upload's bytes are arriving (a live lease the
        /// caller's PUT could not take over now, §7.2): a PUT now would be refused.
        var uploading: Bool?
        /// To a depot, for a complete blob: the tickets in its scope with a proven reference
        /// to it, which its own engineers may download it through there (SPEC §8).
        var provenOn: [String]?
    }

    func add(to group: RouterGroup<NodeRequestContext>) {
        group.post("blobs/status") { request, context in try await statuses(request, context) }
        group.get("blobs/:sha/status") { request, context in try await status(request, context) }
        group.put("blobs/:sha") { request, context in try await upload(request, context) }
        group.post("blobs/:sha/finish") { request, context in try await finish(request, context) }
        group.get("blobs/:sha") { request, context in try await download(request, context, head: false) }
        group.head("blobs/:sha") { request, context in try await download(request, context, head: true) }
        group.post("blobs/:sha/challenge") { request, context in try await challenge(request, context) }
        group.post("blobs/:sha/prove") { request, context in try await prove(request, context) }
    }

    /// The routes `add` serves under `/v1/`, for 405 answers (`RouteShapes`).
    static let shapes: [(HTTPRequest.Method, String)] = [
        (.post, "blobs/status"), (.get, "blobs/:sha/status"), (.put, "blobs/:sha"), (.post, "blobs/:sha/finish"),
        (.get, "blobs/:sha"), (.head, "blobs/:sha"), (.post, "blobs/:sha/challenge"), (.post, "blobs/:sha/prove"),
    ]

    /// Blob requests by kind: round trips are what a photo costs on a field link.
    static func count(_ kind: String) {
        Counter(label: "fieldsync_blob_requests_total", dimensions: [("kind", kind)]).increment()
    }

    /// The blob named in the path, if the caller may move it, and its declared size.
    func authorised(_ context: NodeRequestContext) async throws -> (Digest, UInt64) {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        let raw = context.parameters.get("sha") ?? ""
        return try await authorised(raw, for: principal)
    }

    func authorised(_ raw: String, for principal: Principal) async throws -> (Digest, UInt64) {
        guard let digest = Digest(hex: raw) else {
            throw HTTPError(.badRequest, message: "a blob is named by its SHA-256: 64 hex digits ('\(raw.prefix(16))…' is not)")
        }
        switch try await blobs.access(digest, for: principal) {
        case .allowed(let maxSize): return (digest, maxSize)
        case .forbidden: throw HTTPError(.forbidden, message: "blob \(raw.prefix(12)) belongs to tickets (or articles) not assigned to \(principal.name)")
        case .unreferenced: throw HTTPError(.conflict, message: "no op refers to blob \(raw.prefix(12)): sync the ops that attach it first")
        }
    }

    func status(_ request: Request, _ context: NodeRequestContext) async throws -> Status {
        Self.count("status")
        partials.sweepIfDue()
        let (digest, _) = try await authorised(context)
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        return try await status(of: digest, for: principal)
    }

    /// What the node holds; for a complete blob the caller has not proven it holds, a
    /// fresh challenge, so proving costs one request more, not two.
    func status(of digest: Digest, for principal: Principal) async throws -> Status {
        switch try await blobs.state(of: digest) {
        case .complete(let size):
            let proven = principal.role == .depot ? try await blobs.provenTickets(digest, for: principal) : nil
            guard try await !blobs.hasPossession(digest, principal: principal.name) else { return Status(state: "complete", bytes: size, provenOn: proven) }
            return Status(state: "complete", bytes: size, challenge: try await openChallenge(digest, for: principal), provenOn: proven)
        case .partial(let received):
            return Status(state: "partial", bytes: received, uploading: try await blobs.isUploading(digest, for: principal.name) ? true : nil)
        case .absent: return Status(state: "absent", bytes: 0)
        }
    }

    /// `POST /v1/blobs/status` `{"blobs": [SHA, …]}`: what `status` says of each, in one
    /// round trip for a shift's photos; a blob the caller may not move is `refused` with
    /// the status and message its own request would get.
    struct StatusQuery: Decodable { let blobs: [String] }
    struct StatusEntry: Encodable {
        let sha: String
        let state: String
        let bytes: UInt64
        var challenge: String?
        var uploading: Bool?
        var provenOn: [String]?
        var status: Int?
        var message: String?
    }
    struct StatusList: ResponseEncodable { let blobs: [StatusEntry] }
    static let statusesPerRequest = 1_000

    func statuses(_ request: Request, _ context: NodeRequestContext) async throws -> StatusList {
        Self.count("statuses")
        partials.sweepIfDue()
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        let query: StatusQuery
        do { query = try await request.decode(as: StatusQuery.self, context: context) } catch {
            throw HTTPError(.badRequest, message: "send {\"blobs\": [SHA-256 hex, …]}")
        }
        guard query.blobs.count <= Self.statusesPerRequest else {
            throw HTTPError(.badRequest, message: "ask about at most \(Self.statusesPerRequest) blobs per request")
        }
        var out: [StatusEntry] = []
        for raw in query.blobs {
            do {
                let (digest, _) = try await authorised(raw, for: principal)
                let s = try await status(of: digest, for: principal)
                out.append(StatusEntry(sha: raw, state: s.state, bytes: s.bytes, challenge: s.challenge, uploading: s.uploading, provenOn: s.provenOn))
            } catch let refused as HTTPError where refused.status != .badRequest {
                out.append(StatusEntry(sha: raw, state: "refused", bytes: 0, status: refused.status.code, message: refused.body))
            }
        }
        return StatusList(blobs: out)
    }

    func upload(_ request: Request, _ context: NodeRequestContext) async throws -> Status {
        Self.count("upload")
        partials.sweepIfDue()
        let (digest, declared) = try await authorised(context)
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        let maxSize = min(declared, maxAttachmentBytes)
        // Numbers from the query are checked before any arithmetic: digits only, 64 bits,
        // once (two offsets would leave which one counts to chance).
        let query = request.uri.queryParameters
        guard query.getAll("offset").count == 1, let raw = query.get("offset"), let offset = ByteRange.number(raw[...]) else {
            throw HTTPError(.badRequest, message: "say where this chunk starts, once: ?offset=N (decimal digits)")
        }
        let finishing: Bool
        switch query.getAll("finish") {
        case []: finishing = false
        case ["1"]: finishing = true
        default: throw HTTPError(.badRequest, message: "finish=1 is the only value of finish, given once")
        }
        guard offset <= maxSize else {
            throw HTTPError(.contentTooLarge, message: "the blob has at most \(maxSize) bytes: offset \(offset) is past that")
        }
        // A declared length past the blob's size or the principal's cap is refused before a
        // byte is read (nothing changes), not after waiting for bytes that may never come.
        let room = try await partials.room(for: principal, digest, held: offset)
        let length = request.headers[.contentLength].flatMap { ByteRange.number($0[...]) }
        if let length, length > maxSize - offset {
            throw HTTPError(.contentTooLarge, message: "the blob's op says it has \(maxSize) bytes: \(length) from byte \(offset) goes past that")
        }
        // What this request may add: the room, less what this principal's other uploads in
        // progress hold (`room` counts only bytes already on disk).
        let allowance = partials.grant(principal.name, room: room, want: length)
        defer { partials.release(principal.name, allowance) }
        if let length, length > allowance { throw partials.refusal(principal) }
        // Photos may not take the room the op log needs: what the upload may still send is
        // refused before a byte is written (a StoreError.diskFull: 507 for the caller).
        try await blobs.ensureRoom(for: maxSize - offset)
        let upload = try await open(digest, at: offset, for: principal)
        do { try await blobs.claimPartial(digest, principal: principal.name) } catch {
            // Unattributed bytes would escape the cap: none are taken.
            try? await upload.close()
            throw error
        }
        let written: UInt64
        do {
            written = try await receive(request.body, into: upload, digest, from: offset, maxSize: maxSize, allowance: allowance, for: principal)
        } catch let error as HTTPError {
            throw error
        } catch let error as StoreError where error.code == .uploadBusy {
            // This upload stalled and a newer one took its lease over (`UploadLease`): the
            // blob is the newer one's now.
            try? await upload.close()
            throw HTTPError(.conflict, message: error.message)
        } catch {
            // The link broke mid-chunk: keep what arrived, durably, for the next attempt.
            try? await upload.close()
            throw error
        }
        try await upload.close()
        Counter(label: "fieldsync_blob_bytes_in_total").increment(by: Int(clamping: written - offset))
        // `&finish=1` on the last chunk verifies in the same request: one round trip less
        // per photo, which on a field link is worth more than the bytes of a small one.
        if finishing { return try await complete(digest, by: principal) }
        return Status(state: "partial", bytes: written)
    }

    /// Appends the request's body to `upload`, which starts at `offset`; returns what the
    /// blob then holds (each append takes all of a buffer or fails). A body past the blob's
    /// size (413: the partial data is discarded) or the principal's `allowance` (507: what
    /// arrived stays) ends the upload here.
    func receive(
        _ body: RequestBody, into upload: any BlobUpload, _ digest: Digest, from offset: UInt64, maxSize: UInt64, allowance: UInt64,
        for principal: Principal
    ) async throws -> UInt64 {
        var written = offset
        for try await buffer in body {
            let count = UInt64(buffer.readableBytes)
            // The op that attaches the blob says its size: more bytes than that cannot
            // hash right, so they are refused before they fill the disk. (written never
            // passes maxSize, so the subtractions cannot wrap.)
            guard written <= maxSize, count <= maxSize - written else {
                try? await upload.close()
                _ = try? await blobs.finish(digest)
                try? await blobs.forgetPartial(digest)
                throw HTTPError(.contentTooLarge, message: "the blob's op says it has \(maxSize) bytes: this upload goes past that; the partial data was discarded")
            }
            guard count <= allowance - min(allowance, written - offset) else {
                // Over the principal's cap: what arrived before stays (durable), nothing more.
                try? await upload.close()
                throw partials.refusal(principal)
            }
            try await upload.append(buffer)
            written += count
        }
        return written
    }

    /// The partial blob to append to, under an upload lease for `principal` (one that
    /// stalled is taken over: `UploadLease`); 409 while another upload holds a live lease,
    /// if `offset` is not what the node holds, or if the blob is whole already. Other
    /// failures (the disk, the database) are the node's: 500.
    func open(_ digest: Digest, at offset: UInt64, for principal: Principal) async throws -> any BlobUpload {
        do {
            return try await blobs.beginUpload(digest, at: offset, holder: principal.name)
        } catch where [.uploadBusy, .wrongOffset, .blobComplete].contains(error.code) {
            throw HTTPError(.conflict, message: error.message)
        }
    }

    func finish(_ request: Request, _ context: NodeRequestContext) async throws -> Status {
        Self.count("finish")
        let (digest, _) = try await authorised(context)
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        return try await complete(digest, by: principal)
    }

    /// Verifies the held bytes against `digest`; only then is the blob visible. The
    /// principal that sent the bytes last has proven it holds them; one that only asks
    /// to finish has not (it proves by challenge, like anyone else).
    func complete(_ digest: Digest, by caller: Principal) async throws -> Status {
        // Only bytes this finish verifies prove anything (a blob already whole proves nothing).
        let sender = try await partialSender(of: digest)
        guard try await verify(digest) else {
            try? await blobs.forgetPartial(digest)
            throw HTTPError(.unprocessableContent, message: "the uploaded bytes do not hash to \(digest.hex.prefix(12)): they were discarded; upload the blob again")
        }
        guard case .complete = try await blobs.state(of: digest) else { throw HTTPError(.internalServerError) }
        if let sender {
            try await blobs.recordPossession(digest, principal: sender, now: clock())
            try await blobs.forgetPartial(digest)
        }
        return try await status(of: digest, for: caller)
    }

    /// Who sent the bytes of an unfinished upload last; nil for a blob already whole.
    func partialSender(of digest: Digest) async throws -> String? {
        if case .complete = try await blobs.state(of: digest) { return nil }
        return try await blobs.partialOwner(digest)
    }

    /// ``NodeBlobStore/finish(_:)``. Another request of the same blob holding it (a retried
    /// PUT or finish) is 409, as for an upload, so the client asks what the node holds and
    /// goes on from there.
    ///
    /// A function of its own: written inline in `complete`, this do/catch made the
    /// compiler's mandatory AllocBoxToStack pass run for many minutes (Swift 6.3.1).
    func verify(_ digest: Digest) async throws -> Bool {
        do {
            return try await blobs.finish(digest)
        } catch {
            guard error.code == .uploadBusy else { throw error }
            throw HTTPError(.conflict, message: error.message)
        }
    }
}
