import FieldModel
import GRDB

/// The photos a depot relays (M8). Which blobs its upstream confirmed holding is kept as a
/// device keeps it (`blob_uploads`): those not confirmed that the depot holds go up, those
/// it lacks come down if the upstream holds them. An engineer's proof of possession made at
/// the depot is vouched for at the upstream once (`upstream_vouched`), so a dispatcher there
/// may download the engineer's photo though the engineer never reached it.
enum UpstreamBlobRows {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE upstream_vouched (
                    sha256 TEXT NOT NULL,
                    principal TEXT NOT NULL,
                    PRIMARY KEY (sha256, principal)
                ) WITHOUT ROWID;
                """)
    }
}

/// An engineer's proven possession of a blob at a depot, to vouch for at the upstream.
public struct BlobVouch: Sendable, Hashable, Codable {
    public let sha: String
    public let engineers: [String]

    public init(sha: String, engineers: [String]) {
        self.sha = sha
        self.engineers = engineers
    }
}

extension ReplicaStore {
    /// The possession a depot records for a blob it downloaded from its upstream (verified
    /// by its SHA-256), one per ticket the upstream named as holding a proven reference to
    /// it: the references that came from there on that ticket count as proven here. Not a
    /// token name (those have no `@`).
    public static func upstreamPossession(on ticket: String) -> String { upstreamPossessionPrefix + ticket }
    static let upstreamPossessionPrefix = "@upstream:"

    /// Every blob an op here refers to that the upstream has not confirmed holding, with the
    /// largest size the ops declare (clamped: the size column is any device's word).
    public func blobsNotConfirmed() throws(StoreError) -> [Digest: UInt64] {
        try read { db in
            var out: [Digest: UInt64] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT sha256, MAX(size) FROM blob_refs WHERE sha256 NOT IN (SELECT sha256 FROM blob_uploads) GROUP BY sha256")
            {
                if let digest = Digest(hex: row[0]) { out[digest] = UInt64(clamping: row[1] as Int64? ?? 0) }
            }
            return out
        }
    }

    /// Engineers' possession proven here of blobs the upstream holds, not yet vouched for
    /// there: an engineer whose replica's op refers to the blob and who uploaded it here or
    /// answered a challenge for it.
    public func blobVouches(limit: Int = 1_000) throws(StoreError) -> [BlobVouch] {
        try read { db in
            var out: [String: [String]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT r.sha256, p.principal FROM blob_refs r
                    JOIN blob_uploads u ON u.sha256 = r.sha256
                    JOIN replica_progress rp ON rp.replica = r.replica
                    JOIN blob_possession p ON p.sha256 = r.sha256 AND p.principal = rp.owner
                    WHERE NOT EXISTS (SELECT 1 FROM upstream_vouched v WHERE v.sha256 = r.sha256 AND v.principal = p.principal)
                    ORDER BY r.sha256, p.principal LIMIT ?
                    """, arguments: [limit])
            {
                out[row[0], default: []].append(row[1])
            }
            return out.sorted { $0.key < $1.key }.map { BlobVouch(sha: $0.key, engineers: $0.value) }
        }
    }

    /// Engineers whose possession of each of `digests` was proven here, with an op of their
    /// replica referring to it: what a bundle carrying those blobs vouches for.
    public func blobVouches(for digests: [Digest]) throws(StoreError) -> [BlobVouch] {
        try read { db in
            var out: [BlobVouch] = []
            for digest in digests {
                let engineers = try String.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT DISTINCT p.principal FROM blob_refs r
                            JOIN replica_progress rp ON rp.replica = r.replica
                            JOIN blob_possession p ON p.sha256 = r.sha256 AND p.principal = rp.owner
                            WHERE r.sha256 = ? ORDER BY p.principal
                            """), arguments: [digest.hex])
                if !engineers.isEmpty { out.append(BlobVouch(sha: digest.hex, engineers: engineers)) }
            }
            return out
        }
    }

    /// Records that the upstream took `vouches` (accepted or refused: either way, not again).
    public func noteVouched(_ vouches: [BlobVouch]) throws(StoreError) {
        try write { db in
            for vouch in vouches {
                for engineer in vouch.engineers {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO upstream_vouched (sha256, principal) VALUES (?, ?)", arguments: [vouch.sha, engineer])
                }
            }
        }
    }
}
