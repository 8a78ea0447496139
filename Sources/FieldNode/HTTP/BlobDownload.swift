import FieldModel
import FieldStore
import Foundation
import HTTPTypes
import Hummingbird

/// `GET|HEAD /v1/blobs/:sha` (optional `Range`, see `ByteRange`): the blob, by sendfile
/// over plain HTTP when it is in a file (`BlobFileSender`), otherwise (TLS, PostgreSQL)
/// streamed in pieces of at most 256 KiB (`BlobContent`). HEAD answers
/// the same status and headers with no body. Only a caller with a proven reference in
/// its scope may download (`NodeBlobStore.mayDownload`): knowing the hash is not enough.
extension BlobRoutes {
    func download(_ request: Request, _ context: NodeRequestContext, head: Bool) async throws -> Response {
        Self.count(head ? "head" : "download")
        let (digest, _) = try await authorised(context)
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        // Not there yet is said first (the caller's tickets refer to it: status says as much).
        guard let content = try await blobs.content(of: digest) else {
            throw HTTPError(.notFound, message: "the node does not hold blob \(digest.hex.prefix(12)) yet: its device has not uploaded it")
        }
        guard try await blobs.mayDownload(digest, for: principal) else {
            throw HTTPError(
                .forbidden,
                message: "blob \(digest.hex.prefix(12)): nobody who attached it to your tickets has shown they hold it (upload it, or prove it: SPEC §7.3)")
        }
        // A caller given the bytes through a proven reference holds them from now on: if it
        // attaches them elsewhere (its device never uploads a blob it fetched), that
        // reference grants downloads too.
        if !head, try await !blobs.hasPossession(digest, principal: principal.name) {
            try await blobs.recordPossession(digest, principal: principal.name, now: clock())
        }
        let size = content.size
        let (range, partial) = try ByteRange.parse(request.headers[.range], size: size)
        var headers: HTTPFields = [
            .contentType: "application/octet-stream", .contentLength: String(range.length), .acceptRanges: "bytes",
        ]
        // A served range has at least one byte (ByteRange), so the last one is start + length - 1.
        if partial { headers[.contentRange] = "bytes \(range.start)-\(range.start + range.length - 1)/\(size)" }
        let status: HTTPResponse.Status = partial ? .partialContent : .ok
        if head || range.length == 0 { return Response(status: status, headers: headers) }
        if sendsFiles, let path = content.file, let marker = HTTPField.Name(BlobFileSender.header) {
            // Both fit in Int: a file's size is at most Int64.max.
            headers[marker] = BlobFileSender.Range(path: path, offset: Int(range.start), length: Int(range.length)).marker
            return Response(status: status, headers: headers)
        }
        // Streamed a piece at a time (at most 256 KiB), read as the connection takes them.
        let body = ResponseBody(asyncSequence: content.pieces(from: range.start, length: range.length))
        return Response(status: status, headers: headers, body: body)
    }
}
