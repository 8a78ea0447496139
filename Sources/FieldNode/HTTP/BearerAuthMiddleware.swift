import FieldStore
import FieldWire
import Foundation
import Hummingbird

/// Checks `Authorization: Bearer TOKEN` against the node's token hashes; a missing,
/// wrong or revoked token is 401 and nothing runs. The token is never logged.
struct BearerAuthMiddleware: RouterMiddleware {
    let tokens: any TokenStore

    func handle(
        _ request: Request, context: NodeRequestContext,
        next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        let token = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)).trimmingCharacters(in: .whitespaces) : nil }
        // The store looks the token's hash up off the cooperative pool (NodeStore).
        guard let token, let principal = try await tokens.principal(forToken: token) else {
            return Response.frame(
                status: .unauthorized,
                Frame.encode([.error(ErrorMessage(code: .unauthorized, message: "missing or wrong token: ask dispatch for a token, then `fieldsync login`"))]))
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}

extension Response {
    static let frameMediaType = "application/vnd.fieldsync.frame"

    static func frame(status: HTTPResponse.Status, _ bytes: [UInt8]) -> Response {
        Response(
            status: status, headers: [.contentType: frameMediaType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
