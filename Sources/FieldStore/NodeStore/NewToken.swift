import FieldModel

/// A new bearer token: 32 random bytes as `fs_` and 64 hex digits. The store keeps only
/// `sha256` (hex) and `record`; the token itself is shown once to whoever made it.
public struct NewToken: Sendable {
    public let token: String
    public let sha256: String
    public let record: TokenRecord

    /// Makes a token for `name`, refusing a name no principal can have.
    public init(name: String, role: Principal.Role, now: UInt64) throws(StoreError) {
        guard !name.isEmpty, name.utf8.count <= 64, ReplicaID.isValid(name) else {
            throw StoreError(.invalidOp, "token name '\(name)' must be 1–64 letters, digits, '.', '_' or '-' (an engineer's id for engineers)")
        }
        var rng = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        token = "fs_" + (Digest(bytes: secret)?.hex ?? "")
        sha256 = Self.hash(token)
        record = TokenRecord(id: String(sha256.prefix(12)), name: name, role: role, createdAt: now, revokedAt: nil)
    }

    /// What a store looks a presented token up by.
    public static func hash(_ token: String) -> String { SHA256.hash(Array(token.utf8)).hex }
}
