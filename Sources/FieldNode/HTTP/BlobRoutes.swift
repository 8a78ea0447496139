import FieldModel
import FieldStore
import Foundation
import HTTPTypes
import Hummingbird
import Metrics

/// Blob endpoints, by SHA-256 (resumable, chunked, verified):
///
/// - `GET  /v1/blobs/:sha/status`      → `{"state": "complete"|"partial"|"absent", "bytes": N}`
/// - `POST /v1/blobs/status`           → the same for many blobs at once (`statuses`)
/// - `PUT  /v1/blobs/:sha?offset=N`    → appends the body at N (N must be what the node
///   holds); durable (fsync) before the answer `{"bytes": held}`. A cut connection keeps
///   what arrived, so the next upload resumes there. `&finish=1` then finishes (below).
/// - `POST /v1/blobs/:sha/finish`      → verifies the SHA-256; only then is the blob
///   visible. A mismatch is 422 and the partial data is discarded.
/// - `GET  /v1/blobs/:sha` (`Range: bytes=N-`) → the blob, by sendfile over plain HTTP
///   (`BlobFileSender`), streamed in 256 KB pieces over TLS.
///
/// Scope: a blob moves only if an op on a ticket in the caller's scope refers to it (403
/// otherwise); a blob no op refers to is refused (409), so a node never stores bytes it
/// cannot attribute: devices sync ops first, then blobs.
struct BlobRoutes {
    let store: ReplicaStore
    let blobs: any BlobStore
    /// Downloads go by sendfile (`BlobFileSender` is in the pipeline: plain HTTP).
    let sendsFiles: Bool
    let files = FileIO()
    /// Downloads are read and sent 256 KB at a time (Hummingbird's default is 128 KB):
    /// fewer trips through the file thread pool for photos of tens of MB.
    static let downloadPiece = 256 << 10

    struct Status: ResponseEncodable {
        let state: String
        let bytes: UInt64
    }

    func add(to group: RouterGroup<NodeRequestContext>) {
        group.post("blobs/status") { request, context in try await statuses(request, context) }
        group.get("blobs/:sha/status") { request, context in try await status(request, context) }
        group.put("blobs/:sha") { request, context in try await upload(request, context) }
        group.post("blobs/:sha/finish") { request, context in try await finish(request, context) }
        group.get("blobs/:sha") { request, context in try await download(request, context) }
    }

    /// Blob requests by kind: round trips are what a photo costs on a field link.
    static func count(_ kind: String) {
        Counter(label: "fieldsync_blob_requests_total", dimensions: [("kind", kind)]).increment()
    }

    /// The blob named in the path, if the caller may move it, and its declared size.
    func authorised(_ context: NodeRequestContext) throws -> (Digest, UInt64) {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        return try authorised(context.parameters.get("sha") ?? "", for: principal)
    }

    func authorised(_ raw: String, for principal: Principal) throws -> (Digest, UInt64) {
        guard let digest = Digest(hex: raw) else {
            throw HTTPError(.badRequest, message: "a blob is named by its SHA-256: 64 hex digits ('\(raw.prefix(16))…' is not)")
        }
        switch try store.blobAccess(digest, for: principal) {
        case .allowed(let maxSize): return (digest, maxSize)
        case .forbidden: throw HTTPError(.forbidden, message: "blob \(raw.prefix(12)) belongs to tickets not assigned to \(principal.name)")
        case .unreferenced: throw HTTPError(.conflict, message: "no op refers to blob \(raw.prefix(12)): sync the ops that attach it first")
        }
    }

    func status(_ request: Request, _ context: NodeRequestContext) async throws -> Status {
        Self.count("status")
        let (digest, _) = try authorised(context)
        return try status(of: digest)
    }

    func status(of digest: Digest) throws -> Status {
        switch try blobs.state(of: digest) {
        case .complete(let size): return Status(state: "complete", bytes: size)
        case .partial(let received): return Status(state: "partial", bytes: received)
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
        var status: Int?
        var message: String?
    }
    struct StatusList: ResponseEncodable { let blobs: [StatusEntry] }
    static let statusesPerRequest = 1_000

    func statuses(_ request: Request, _ context: NodeRequestContext) async throws -> StatusList {
        Self.count("statuses")
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
                let (digest, _) = try authorised(raw, for: principal)
                let s = try status(of: digest)
                out.append(StatusEntry(sha: raw, state: s.state, bytes: s.bytes))
            } catch let refused as HTTPError where refused.status != .badRequest {
                out.append(StatusEntry(sha: raw, state: "refused", bytes: 0, status: refused.status.code, message: refused.body))
            }
        }
        return StatusList(blobs: out)
    }

    func upload(_ request: Request, _ context: NodeRequestContext) async throws -> Status {
        Self.count("upload")
        let (digest, maxSize) = try authorised(context)
        guard let offset = request.uri.queryParameters.get("offset").flatMap({ UInt64($0) }) else {
            throw HTTPError(.badRequest, message: "say where this chunk starts: ?offset=N")
        }
        let appender: BlobAppender
        do { appender = try blobs.appender(for: digest, at: offset) } catch {
            throw HTTPError(.conflict, message: error.message)
        }
        do {
            for try await buffer in request.body {
                // The op that attaches the blob says its size: more bytes than that cannot
                // hash right, so they are refused before they fill the disk.
                guard appender.written + UInt64(buffer.readableBytes) <= maxSize else {
                    try? appender.close()
                    _ = try? blobs.finish(digest)
                    throw HTTPError(.contentTooLarge, message: "the blob's op says it has \(maxSize) bytes: this upload goes past that; the partial data was discarded")
                }
                // Hashed from this buffer rather than read back from the file (the node
                // holds at most 8 MB of them waiting): one copy less per byte.
                appender.hashBeforeWrite(count: buffer.readableBytes) { hasher in
                    buffer.withUnsafeReadableBytes { hasher.update($0) }
                }
                try buffer.withUnsafeReadableBytes { try appender.write($0) }
            }
        } catch let error as HTTPError {
            throw error
        } catch {
            // The link broke mid-chunk: keep what arrived, durably, for the next attempt.
            try? appender.close()
            throw error
        }
        try appender.close()
        Counter(label: "fieldsync_blob_bytes_in_total").increment(by: Int(appender.written - offset))
        // `&finish=1` on the last chunk verifies in the same request: one round trip less
        // per photo, which on a field link is worth more than the bytes of a small one.
        if request.uri.queryParameters.get("finish") == "1" { return try complete(digest) }
        return Status(state: "partial", bytes: appender.written)
    }

    func finish(_ request: Request, _ context: NodeRequestContext) async throws -> Status {
        Self.count("finish")
        let (digest, _) = try authorised(context)
        return try complete(digest)
    }

    /// Verifies the held bytes against `digest`; only then is the blob visible.
    func complete(_ digest: Digest) throws -> Status {
        let verified: Bool
        do { verified = try blobs.finish(digest) } catch {
            // Another request of the same blob holds it (a retried PUT or finish): 409, as
            // for an upload, so the client asks what the node holds and goes on from there.
            guard error.code == .conflictingOp else { throw error }
            throw HTTPError(.conflict, message: error.message)
        }
        guard verified else {
            throw HTTPError(.unprocessableContent, message: "the uploaded bytes do not hash to \(digest.hex.prefix(12)): they were discarded; upload the blob again")
        }
        guard case .complete(let size) = try blobs.state(of: digest) else { throw HTTPError(.internalServerError) }
        return Status(state: "complete", bytes: size)
    }

    func download(_ request: Request, _ context: NodeRequestContext) async throws -> Response {
        Self.count("download")
        let (digest, _) = try authorised(context)
        guard let path = blobs.completePath(of: digest) else {
            throw HTTPError(.notFound, message: "the node does not hold blob \(digest.hex.prefix(12)) yet: its device has not uploaded it")
        }
        var start = 0
        if let range = request.headers[.range], range.hasPrefix("bytes="), range.hasSuffix("-"),
            let n = Int(range.dropFirst(6).dropLast())
        {
            start = n
        }
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard start <= size else { throw HTTPError(.rangeNotSatisfiable) }
        if start == size { return Response(status: .partialContent, headers: [.contentLength: "0"]) }
        var headers: HTTPFields = [.contentType: "application/octet-stream", .contentLength: String(size - start)]
        if start > 0 { headers[.contentRange] = "bytes \(start)-\(size - 1)/\(size)" }
        let status: HTTPResponse.Status = start > 0 ? .partialContent : .ok
        if sendsFiles, let marker = HTTPField.Name(BlobFileSender.header) {
            headers[marker] = BlobFileSender.Range(path: path, offset: start, length: size - start).marker
            return Response(status: status, headers: headers)
        }
        let body = try await files.loadFile(path: path, range: start...(size - 1), context: context, chunkLength: Self.downloadPiece)
        return Response(status: status, headers: headers, body: body)
    }
}
