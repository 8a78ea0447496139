import FieldStore
import FieldWire
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics

/// Turns every refusal into the body the sync errors have: one `error` frame (SPEC §5)
/// with the code for its HTTP status and a one-line message. One layer for all routes,
/// so no handler can forget it: thrown `HTTPError`s, the router's own 404s, bare
/// statuses a handler returns, and any other error (a 500 whose text stays in the log:
/// it may name files on the node).
struct ErrorFrameMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    let routes: RouteShapes
    let logger: Logger

    func handle(
        _ request: Request, context: NodeRequestContext,
        next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        var response = try await answer(request, context: context, next: next)
        // A refusal may come before the request's body was read (a chunk refused while
        // another upload holds its blob): its client must not queue its next request on
        // this connection behind the unread bytes, which on a 2 KB/s link take longer than
        // it waits for an answer (RFC 9112 §9.6). The client then opens a new connection.
        if response.status.code >= 400, Self.hasBody(request) { response.headers[.connection] = "close" }
        return response
    }

    /// Whether the request came with a body (which a refusal may leave unread).
    static func hasBody(_ request: Request) -> Bool {
        if request.headers[.transferEncoding] != nil { return true }
        return request.headers[.contentLength].map { $0 != "0" } ?? false
    }

    private func answer(
        _ request: Request, context: NodeRequestContext,
        next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            let response = try await next(request, context)
            // A bare refusal gets its frame; a HEAD refusal loses any body (HTTP/1 would read
            // it as the next answer); a 500 says only that the node failed, whatever a handler
            // put in it (a store error's text may name the node's files).
            guard response.status.code >= 400,
                request.method == .head || response.status.code >= 500 || response.headers[.contentType] != Response.frameMediaType
            else { return response }
            return Self.refusal(response.status, nil, to: request)
        } catch let error as HTTPError {
            // The router's own "no route" is a bare 404: say whether the path exists for another method.
            if error.status == .notFound, error.body == nil {
                let allowed = routes.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    var refusal = Self.refusal(
                        .methodNotAllowed, "\(request.method.rawValue) is not served on \(Self.clip(request.uri.path)): use \(allowed.map(\.rawValue).joined(separator: ", "))",
                        to: request)
                    refusal.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                    return refusal
                }
                return Self.refusal(.notFound, "no endpoint \(request.method.rawValue) \(Self.clip(request.uri.path))", to: request)
            }
            var refusal = Self.refusal(error.status, error.body, to: request)
            for field in error.headers where field.name != .contentType && field.name != .contentLength { refusal.headers.append(field) }
            return refusal
        } catch let error as StoreError where error.code == .diskFull {
            Self.countStorageFull(.upload)
            logger.error(
                "upload refused: the node's storage is full (photos may not take the reserve kept for the op log): free space on the data folder's disk",
                metadata: ["path": .string(Self.clip(request.uri.path))])
            return Self.refusal(PartialUploads.insufficientStorage, Self.storageFull(refusing: .upload), to: request)
        } catch {
            logger.error("request failed", metadata: ["path": .string(Self.clip(request.uri.path)), "error": .string("\(error)")])
            return Self.refusal(.internalServerError, nil, to: request)
        }
    }

    /// What a full disk refuses.
    enum Refused { case upload, sync }

    /// Counts refusals for want of room, so an operator can alert on them before engineers call.
    static func countStorageFull(_ what: Refused) {
        Counter(label: "fieldsync_storage_full_refusals_total", dimensions: [("kind", what == .upload ? "upload" : "sync")]).increment()
    }

    /// The message of a 507 `quota` for a node whose disk has no room (an upload that would
    /// cut into the reserve kept for the op log, or the op log itself full): in words an
    /// engineer can act on, naming none of the node's files.
    static func storageFull(refusing what: Refused) -> String {
        switch what {
        case .upload: "the node's storage is full: photos are refused until space is freed; your work is safe on this device"
        case .sync: "the node's storage is full: syncs are refused until its operator frees space; your work is safe on this device"
        }
    }

    /// An error frame for `status`; `message` (one line, clipped) or the status's own words.
    /// A HEAD answer says the same in its head and sends no body.
    static func refusal(_ status: HTTPResponse.Status, _ message: String?, to request: Request) -> Response {
        let code = code(for: status)
        let text = message.map { clip($0) } ?? defaultMessage(status)
        let bytes = Frame.encode([.error(ErrorMessage(code: code, message: text))], compress: false)
        if request.method == .head {
            return Response(status: status, headers: [.contentType: Response.frameMediaType, .contentLength: String(bytes.count)])
        }
        return Response.frame(status: status, bytes)
    }

    /// SPEC §5: the protocol code each HTTP status carries.
    static func code(for status: HTTPResponse.Status) -> ErrorCode {
        switch status.code {
        case 400: .malformed
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 405: .methodNotAllowed
        case 408: .timeout
        case 409: .conflict
        case 413: .tooLarge
        case 416: .rangeNotSatisfiable
        case 422: .hashMismatch
        case 507: .quota
        case 400..<500: .malformed
        default: .internalError
        }
    }

    static func defaultMessage(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 500...: "the node failed to answer: retry later"
        default: "\(status.code) \(status.reasonPhrase)"
        }
    }

    /// One line, at most 300 characters (far under the 4,096-byte limit of §6): a message
    /// never carries a caller's bytes back at length.
    static func clip(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 300 ? String(line.prefix(299)) + "…" : line
    }
}
