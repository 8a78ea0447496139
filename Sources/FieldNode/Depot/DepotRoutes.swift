import FieldModel
import FieldStore
import Foundation
import Hummingbird

/// What central serves its depots beyond sync (M8):
///
/// - `GET /v1/depot/tokens`: the tokens of the engineers the calling depot serves, as hashes
///   (``TokenHash``), so an engineer's token made at central works at their depot, and a
///   revocation there reaches it.
/// - `GET /v1/depot/members`: the names of the engineers central records as the depot's now,
///   its sub-depots' included, and of the depots it relays: a depot that sees a new one pulls
///   again from the start, so their tickets arrive whole.
/// - `GET /v1/depot/tree`: the part of the relay tree below the calling depot (``DepotTree``):
///   the depots it relays and their engineers, so it serves them as central would (M8 trees).
/// - `POST /v1/depot/replicas`, `{"replicas": [{"replica", "depot"}, …]}`: the calling depot
///   claims each sub-depot's own replica (its node's id) for that sub-depot, which it relays
///   now, so the sub-depot's own ops go up through it as that depot's (``RelayedReplica``).
/// - `POST /v1/depot/vouch`, `{"blobs": [{"sha", "engineers": [NAME, …]}, …]}`: the depot,
///   which proved here that it holds each blob, says which of its engineers proved it there
///   (SPEC §7.3), so their references grant downloads here as if they had uploaded here.
struct DepotRoutes: Sendable {
    static let tokensPath = "/v1/depot/tokens"
    static let vouchPath = "/v1/depot/vouch"
    static let membersPath = "/v1/depot/members"
    static let treePath = "/v1/depot/tree"
    static let replicasPath = "/v1/depot/replicas"
    /// Entries in one vouch (the depot sends pages of this many).
    static let vouchesPerRequest = 1_000
    let store: any NodeStore
    let blobs: any NodeBlobStore
    let clock: @Sendable () -> UInt64

    struct VouchList: Codable {
        let blobs: [BlobVouch]
    }

    struct ReplicaClaims: Codable {
        let replicas: [RelayedReplica]
    }

    struct ClaimAnswer: ResponseEncodable {
        let claimed: Int
        /// Claims not taken, and why (a depot it does not relay, another's replica).
        let refused: [RelayedReplica.Refusal]
    }

    struct VouchAnswer: ResponseEncodable {
        let vouched: Int
        /// Why entries were not taken (the depot does not hold the blob here, not its engineer).
        let refused: [String]
    }

    func add(to api: RouterGroup<NodeRequestContext>) {
        api.get("depot/tokens") { _, context -> Response in
            let depot = try Self.depot(context)
            let hashes = try await store.memberTokens(of: depot.name)
            let body = try JSONEncoder().encode(hashes)
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        api.get("depot/members") { _, context -> Response in
            let depot = try Self.depot(context)
            let names = try await store.depotTree(of: depot.name).seen(by: depot.name)
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(names))))
        }
        api.get("depot/tree") { _, context -> Response in
            let depot = try Self.depot(context)
            let tree = try await store.tree(below: depot.name)
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(tree))))
        }
        api.post("depot/replicas") { request, context -> ClaimAnswer in
            let depot = try Self.depot(context)
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: 1 << 20) } catch {
                throw HTTPError(.contentTooLarge, message: "a claim is at most 1 MiB: send \(RelayedReplica.perRequest) replicas at a time")
            }
            guard let list = try? JSONDecoder().decode(ReplicaClaims.self, from: Data(body.readableBytesView)), list.replicas.count <= RelayedReplica.perRequest
            else {
                throw HTTPError(.badRequest, message: "send {\"replicas\": [{\"replica\": ID, \"depot\": NAME}, …]}, at most \(RelayedReplica.perRequest)")
            }
            let refused = try await store.claimRelayedReplicas(list.replicas, by: depot.name)
            // Every refusal (at most one per claim): the depot takes a claim not listed as taken.
            return ClaimAnswer(claimed: list.replicas.count - refused.count, refused: refused)
        }
        api.post("depot/vouch") { request, context -> VouchAnswer in
            let depot = try Self.depot(context)
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: 1 << 20) } catch {
                throw HTTPError(.contentTooLarge, message: "a vouch is at most 1 MiB: send \(Self.vouchesPerRequest) blobs at a time")
            }
            guard let list = try? JSONDecoder().decode(VouchList.self, from: Data(body.readableBytesView)), list.blobs.count <= Self.vouchesPerRequest
            else {
                throw HTTPError(.badRequest, message: "send {\"blobs\": [{\"sha\": 64 hex digits, \"engineers\": [names]}, …]}, at most \(Self.vouchesPerRequest)")
            }
            let done = try await DepotVouching(store: store, blobs: blobs, clock: clock).vouch(list.blobs, by: depot)
            return VouchAnswer(vouched: done.vouched, refused: done.refused)
        }
    }

    /// The calling depot; 403 for any other role: no one else learns who holds tokens, or
    /// may speak for another principal's possession.
    static func depot(_ context: NodeRequestContext) throws -> Principal {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        guard principal.role == .depot else { throw HTTPError(.forbidden, message: "only a depot's token may ask this") }
        return principal
    }
}
