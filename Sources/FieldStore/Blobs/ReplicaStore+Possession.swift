import FieldModel
import GRDB

/// Proof of possession: knowing a blob's SHA-256 is not holding it. A reference to a blob
/// (an attachment op) grants its download only once the principal whose replica made it
/// proved it holds the bytes, by a verified upload or by answering a challenge (SPEC §7.3).
extension ReplicaStore {
    /// May `principal` download the blob? Some reference on a ticket in its scope must
    /// come from a principal with proven possession (or from before proofs existed), so the
    /// other engineers of the ticket and dispatch fetch what its engineer uploaded, or it is
    /// an image of an article in its scope.
    public func mayDownload(_ digest: Digest, for principal: Principal) throws(StoreError) -> Bool {
        if try read({ db in try articleImageAccess(digest, for: principal, db) }) == true { return true }
        return try !provenTickets(digest, for: principal, limit: 1).isEmpty
    }

    /// The tickets in `principal`'s scope with a proven reference to the blob. At a depot, a
    /// reference that came from its upstream (its replica never pushed there) is proven when
    /// the upstream said so for that ticket as the depot downloaded the blob
    /// (``upstreamPossession(on:)``): a reference elsewhere, made by someone who only knew
    /// the hash, proves nothing.
    /// At most `limit` of them: a photo on thousands of tickets costs no more than that.
    public func provenTickets(_ digest: Digest, for principal: Principal, limit: Int = 1_000) throws(StoreError) -> [String] {
        try read { db in
            let tickets = try String.fetchAll(
                try db.cachedStatement(
                    sql: """
                        SELECT DISTINCT r.ticket FROM blob_refs r WHERE r.sha256 = ?1 AND (r.proven_before = 1 OR EXISTS (
                            SELECT 1 FROM replica_progress rp
                            JOIN blob_possession p ON p.sha256 = r.sha256 AND p.principal = rp.owner
                            WHERE rp.replica = r.replica) OR (
                            EXISTS (SELECT 1 FROM blob_possession u WHERE u.sha256 = r.sha256 AND u.principal = ?2 || r.ticket)
                            AND NOT EXISTS (SELECT 1 FROM replica_progress rp WHERE rp.replica = r.replica)))
                        ORDER BY r.ticket
                        """), arguments: [digest.hex, Self.upstreamPossessionPrefix])
            var out: [String] = []
            for raw in tickets where out.count < limit {
                if let id = EntityID(raw), try Scope.allows(principal, ticket: id, db) { out.append(raw) }
            }
            return out
        }
    }

    public func hasPossession(_ digest: Digest, principal: String) throws(StoreError) -> Bool {
        try read { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM blob_possession WHERE sha256 = ? AND principal = ?", arguments: [digest.hex, principal]) ?? false
        }
    }

    public func recordPossession(_ digest: Digest, principal: String, now: UInt64) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO blob_possession (sha256, principal, proven_wall) VALUES (?, ?, ?)",
                arguments: [digest.hex, principal, Int64(clamping: now)])
        }
    }

    /// Opens a challenge: only the nonce's hash is kept, and a new one replaces the open
    /// one, so a caller asking again and again holds one row per blob.
    public func openChallenge(_ digest: Digest, principal: String, nonceHash: Digest, expires: UInt64) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO blob_challenges (sha256, principal, nonce_sha256, expires_wall) VALUES (?, ?, ?, ?)",
                arguments: [digest.hex, principal, nonceHash.hex, Int64(clamping: expires)])
        }
    }

    /// Takes the open challenge (single use: it is gone whatever the answer), if any.
    public func takeChallenge(_ digest: Digest, principal: String) throws(StoreError) -> (nonceHash: Digest, expires: UInt64)? {
        try write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT nonce_sha256, expires_wall FROM blob_challenges WHERE sha256 = ? AND principal = ?",
                    arguments: [digest.hex, principal]),
                let hash = Digest(hex: row["nonce_sha256"])
            else { return nil }
            try db.execute(sql: "DELETE FROM blob_challenges WHERE sha256 = ? AND principal = ?", arguments: [digest.hex, principal])
            return (hash, UInt64(clamping: row["expires_wall"] as Int64))
        }
    }

    /// Drops challenges past their expiry.
    public func dropExpiredChallenges(now: UInt64) throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM blob_challenges WHERE expires_wall < ?", arguments: [Int64(clamping: now)]) }
    }
}

/// Who holds each unfinished upload: the principal that sent its bytes last. Its bytes
/// count against that principal's cap, and a verified finish proves possession for it.
extension ReplicaStore {
    public func claimPartial(_ digest: Digest, principal: String) throws(StoreError) {
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO blob_partials (sha256, principal) VALUES (?, ?)", arguments: [digest.hex, principal])
        }
    }

    public func partialOwner(_ digest: Digest) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT principal FROM blob_partials WHERE sha256 = ?", arguments: [digest.hex]) }
    }

    public func partials(ownedBy principal: String) throws(StoreError) -> [Digest] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT sha256 FROM blob_partials WHERE principal = ?", arguments: [principal]).compactMap(Digest.init(hex:))
        }
    }

    public func allPartials() throws(StoreError) -> [Digest] {
        try read { db in try String.fetchAll(db, sql: "SELECT sha256 FROM blob_partials").compactMap(Digest.init(hex:)) }
    }

    public func forgetPartial(_ digest: Digest) throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM blob_partials WHERE sha256 = ?", arguments: [digest.hex]) }
    }
}
