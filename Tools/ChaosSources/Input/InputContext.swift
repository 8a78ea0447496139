import Foundation

/// What the matrix knows about the node it attacks, learned as an outsider would: from
/// the admin CLI, the engineers' own replicas, and the node's answers.
struct InputContext: Sendable {
    let port: Int
    let e1Token: String
    let e2Token: String
    let revokedToken: String
    let wrongToken = "fs_" + String(repeating: "0", count: 64)
    /// E1's and E2's tickets.
    let ticketA: String
    let ticketB: String
    /// The real replicas' ids and their next counters.
    let e1Replica: String
    let e1Next: UInt64
    let e2Replica: String
    let e2Next: UInt64
    /// The node's own replica id (from its hello) and its next counter.
    let nodeReplica: String
    let nodeNext: UInt64
    /// A photo on ticket A that the node holds whole.
    let photo: [UInt8]
    let photoSHA: String
    /// A blob an op on ticket A declares (4096 bytes) that was never uploaded.
    let pendingSHA: String
    let pendingSize: Int

    enum Who: String, CaseIterable, Sendable {
        case none = "no token", wrong = "wrong token", revoked = "revoked token", other = "another engineer's token"
    }

    func token(_ who: Who) -> String? {
        switch who {
        case .none: nil
        case .wrong: wrongToken
        case .revoked: revokedToken
        case .other: e2Token
        }
    }

    /// An Authorization header for `token` (none for nil).
    func auth(_ token: String?) -> [(String, String)] { token.map { [("Authorization", "Bearer \($0)")] } ?? [] }

    var e1: [(String, String)] { auth(e1Token) }

    func request(_ method: String, _ target: String, token: String?, body: [UInt8] = [], headers: [(String, String)] = []) -> RawRequest {
        RawRequest(method: method, target: target, headers: auth(token) + headers, body: body)
    }

    /// POST /v1/sync as E1.
    func sync(_ body: [UInt8], token: String? = nil, headers: [(String, String)] = []) -> RawRequest {
        request("POST", "/v1/sync", token: token ?? e1Token, body: body, headers: [("Content-Type", "application/vnd.fieldsync.frame")] + headers)
    }
}
