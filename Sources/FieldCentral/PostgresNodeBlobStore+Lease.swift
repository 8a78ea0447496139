import FieldModel
import FieldStore
import PostgresNIO

/// Upload leases in `blob_leases`, ``UploadLease``'s rule across node processes: the row
/// names the upload holding a blob (its holder and a random token) and when its last bytes
/// arrived, by the database's clock, so every node judges idleness alike. Taking a lease
/// locks the row, and each chunk's transaction updates it first: a takeover waits for a
/// chunk being stored and never sees half of one, and the old writer's next chunk, finding
/// another token, is refused.
extension PostgresNodeBlobStore {
    /// Holders that are no principal's (names never hold a space): a finish or a sweep takes
    /// only an expired lease.
    static let finishing = " finish"
    static let sweeping = " sweep"

    /// Whether `holder`'s new upload may take over a lease of `current` idle for `idle` seconds.
    func mayTakeOver(_ current: String, idle: Double, by holder: String) -> Bool {
        idle >= policy.expiry.seconds || (holder == current && idle >= policy.idle.seconds)
    }

    /// Takes the blob's lease for `holder` in `connection`'s transaction (free, or taken over
    /// from an idle or expired holder); its token, or nil while another upload holds it live.
    func takeLease(_ digest: Digest, for holder: String, _ connection: PostgresConnection) async throws -> String? {
        let token = String(UInt64.random(in: .min ... .max), radix: 16) + String(UInt64.random(in: .min ... .max), radix: 16)
        // A lease released between the insert and the read is tried again.
        for _ in 0..<3 {
            let inserted = try await connection.checkedQuery(
                """
                INSERT INTO blob_leases (sha256, holder, token, last_byte) VALUES (\(digest.hex), \(holder), \(token), clock_timestamp())
                ON CONFLICT (sha256) DO NOTHING RETURNING 1
                """, logger: logger
            ).all()
            if !inserted.isEmpty { return token }
            let held = try await connection.checkedQuery(
                """
                SELECT holder, EXTRACT(EPOCH FROM clock_timestamp() - last_byte)::float8 FROM blob_leases
                WHERE sha256 = \(digest.hex) FOR UPDATE
                """, logger: logger
            ).decode((String, Double).self).all()
            guard let (current, idle) = held.first else { continue }
            guard mayTakeOver(current, idle: idle, by: holder) else { return nil }
            try await connection.checkedQuery(
                """
                UPDATE blob_leases SET holder = \(holder), token = \(token), last_byte = clock_timestamp() WHERE sha256 = \(digest.hex)
                """, logger: logger)
            return token
        }
        return nil
    }

    /// Gives the blob's lease back, if `token` still holds it.
    func releaseLease(_ digest: Digest, token: String, _ connection: PostgresConnection) async throws {
        try await connection.checkedQuery("DELETE FROM blob_leases WHERE sha256 = \(digest.hex) AND token = \(token)", logger: logger)
    }

    public func isUploading(_ digest: Digest, for holder: String) async throws(StoreError) -> Bool {
        let logger = logger
        return try await guarded("reading a blob's upload lease") {
            let held = try await client.query(
                "SELECT holder, EXTRACT(EPOCH FROM clock_timestamp() - last_byte)::float8 FROM blob_leases WHERE sha256 = \(digest.hex)",
                logger: logger
            ).decode((String, Double).self).all()
            guard let (current, idle) = held.first else { return false }
            return !mayTakeOver(current, idle: idle, by: holder)
        }
    }
}
