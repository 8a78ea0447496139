import FieldStore
import Foundation
import Hummingbird

/// What central serves its depots beyond sync (M8): `GET /v1/depot/tokens`, the tokens of
/// the engineers the calling depot serves, as hashes (``TokenHash``), so an engineer's token
/// made at central works at their depot, and a revocation there reaches it.
struct DepotRoutes: Sendable {
    static let tokensPath = "/v1/depot/tokens"
    let store: any NodeStore

    func add(to api: RouterGroup<NodeRequestContext>) {
        api.get("depot/tokens") { _, context -> Response in
            guard let principal = context.principal else { return Response(status: .unauthorized) }
            // Only a depot, and only its own engineers': no one else learns who holds tokens.
            guard principal.role == .depot else { return Response(status: .forbidden) }
            let hashes = try await store.memberTokens(of: principal.name)
            let body = try JSONEncoder().encode(hashes)
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
