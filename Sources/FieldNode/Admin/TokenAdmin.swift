import FieldStore
import Foundation

/// `fieldsync-node token …` on either backend: make, list and revoke bearer tokens.
public struct TokenAdmin: Sendable {
    let tokens: any TokenStore
    let clock: @Sendable () -> UInt64

    public init(_ tokens: any TokenStore, clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }) {
        self.tokens = tokens
        self.clock = clock
    }

    /// A new token for `name` as `role` (a role name as typed); the token is shown once.
    public func create(name: String, role: String) async throws -> (token: String, record: TokenRecord) {
        guard let role = Principal.Role(rawValue: role) else {
            throw NodeError.badRequest("unknown role '\(role)': use engineer, depot, dispatcher, warehouse or admin")
        }
        return try await tokens.createToken(name: name, role: role, now: clock())
    }

    public func list() async throws -> [TokenRecord] { try await tokens.tokens() }

    public func revoke(id: String) async throws {
        guard try await tokens.revokeToken(id: id, now: clock()) > 0 else {
            throw NodeError.notFound("no active token with id '\(id)': `fieldsync-node token list` shows the ids")
        }
    }
}
