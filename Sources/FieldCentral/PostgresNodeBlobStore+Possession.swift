import FieldModel
import FieldStore
import PostgresNIO

/// Proof of possession (SPEC §7.3) and the owners of unfinished uploads, as SQLite keeps them.
extension PostgresNodeBlobStore {
    public func hasPossession(_ digest: Digest, principal: String) async throws(StoreError) -> Bool {
        let logger = logger
        return try await guarded("reading who holds a blob") {
            try await !client.query(
                "SELECT 1 FROM blob_possession WHERE sha256 = \(digest.hex) AND principal = \(principal)", logger: logger
            ).all().isEmpty
        }
    }

    public func recordPossession(_ digest: Digest, principal: String, now: UInt64) async throws(StoreError) {
        let logger = logger
        try await guarded("recording who holds a blob") {
            try await client.query(
                """
                INSERT INTO blob_possession (sha256, principal, proven_wall) VALUES (\(digest.hex), \(principal), \(Int64(clamping: now)))
                ON CONFLICT (sha256, principal) DO NOTHING
                """, logger: logger)
        }
    }

    public func openChallenge(_ digest: Digest, principal: String, nonceHash: Digest, expires: UInt64) async throws(StoreError) {
        let logger = logger
        try await guarded("opening a possession challenge") {
            try await client.query(
                """
                INSERT INTO blob_challenges (sha256, principal, nonce_sha256, expires_wall)
                VALUES (\(digest.hex), \(principal), \(nonceHash.hex), \(Int64(clamping: expires)))
                ON CONFLICT (sha256, principal) DO UPDATE SET nonce_sha256 = excluded.nonce_sha256, expires_wall = excluded.expires_wall
                """, logger: logger)
        }
    }

    public func takeChallenge(_ digest: Digest, principal: String) async throws(StoreError) -> BlobChallenge? {
        let logger = logger
        return try await guarded("taking a possession challenge") {
            // One statement: two answers at once (two nodes) cannot both take it.
            let rows = try await client.query(
                """
                DELETE FROM blob_challenges WHERE sha256 = \(digest.hex) AND principal = \(principal)
                RETURNING nonce_sha256, expires_wall
                """, logger: logger
            ).decode((String, Int64).self).all()
            guard let row = rows.first, let hash = Digest(hex: row.0) else { return nil }
            return BlobChallenge(nonceHash: hash, expires: UInt64(clamping: row.1))
        }
    }

    public func dropExpiredChallenges(now: UInt64) async throws(StoreError) {
        let logger = logger
        try await guarded("dropping expired challenges") {
            try await client.query("DELETE FROM blob_challenges WHERE expires_wall < \(Int64(clamping: now))", logger: logger)
        }
    }

    public func claimPartial(_ digest: Digest, principal: String) async throws(StoreError) {
        let logger = logger
        try await guarded("recording who uploads a blob") {
            try await client.query(
                """
                INSERT INTO blob_partials (sha256, principal) VALUES (\(digest.hex), \(principal))
                ON CONFLICT (sha256) DO UPDATE SET principal = excluded.principal
                """, logger: logger)
        }
    }

    public func partialOwner(_ digest: Digest) async throws(StoreError) -> String? {
        let logger = logger
        return try await guarded("reading who uploads a blob") {
            try await client.query("SELECT principal FROM blob_partials WHERE sha256 = \(digest.hex)", logger: logger)
                .decode(String.self).all().first
        }
    }

    public func partials(ownedBy principal: String) async throws(StoreError) -> [Digest] {
        let logger = logger
        return try await guarded("reading a principal's unfinished uploads") {
            try await client.query("SELECT sha256 FROM blob_partials WHERE principal = \(principal) ORDER BY sha256", logger: logger)
                .decode(String.self).all().compactMap(Digest.init(hex:))
        }
    }

    public func allPartials() async throws(StoreError) -> [Digest] {
        let logger = logger
        return try await guarded("reading unfinished uploads") {
            try await client.query("SELECT sha256 FROM blob_partials ORDER BY sha256", logger: logger)
                .decode(String.self).all().compactMap(Digest.init(hex:))
        }
    }

    public func forgetPartial(_ digest: Digest) async throws(StoreError) {
        let logger = logger
        try await guarded("forgetting an unfinished upload's owner") {
            try await client.query("DELETE FROM blob_partials WHERE sha256 = \(digest.hex)", logger: logger)
        }
    }
}
