import FieldModel
import GRDB

/// Whether a principal may move a blob, from the node's state.
public enum BlobAccess: Sendable, Equatable {
    /// Allowed; the ops say the blob is at most this many bytes.
    case allowed(maxSize: UInt64)
    /// No op refers to the blob: sync the ops first.
    case unreferenced
    /// Ops refer to it, but on tickets outside the principal's scope.
    case forbidden
}

/// A blob a device has attached, and whether the node has confirmed holding it.
public struct LocalBlob: Sendable, Hashable {
    public let digest: Digest
    public let size: UInt64
    public let ticket: TicketID
}

extension ReplicaStore {
    /// May `principal` upload or download the blob with `digest`? Blob scope is ticket
    /// scope: an engineer moves only blobs that ops on their tickets refer to, and the
    /// images of the articles in their scope.
    public func blobAccess(_ digest: Digest, for principal: Principal) throws(StoreError) -> BlobAccess {
        try read { db in
            let rows = try Row.fetchAll(
                try db.cachedStatement(sql: "SELECT ticket, size FROM blob_refs WHERE sha256 = ?"), arguments: [digest.hex])
            // An article's image: central stored it whole; it is downloaded, never uploaded.
            if rows.isEmpty, let image = try articleImageAccess(digest, for: principal, db) { return image ? .allowed(maxSize: 0) : .forbidden }
            if rows.isEmpty { return .unreferenced }
            // Clamped: a size column below zero (written by anything but `TicketRows`) must not trap.
            let maxSize = UInt64(clamping: rows.map { $0["size"] as Int64 }.max() ?? 0)
            for row in rows {
                if let id = EntityID(row["ticket"]), try Scope.allows(principal, ticket: id, db) { return .allowed(maxSize: maxSize) }
            }
            return .forbidden
        }
    }

    /// Attachments on this replica's tickets whose blobs the node has not confirmed.
    public func unconfirmedBlobs() throws(StoreError) -> [LocalBlob] {
        let rows = try read { db in
            try Row.fetchAll(
                db, sql: "SELECT DISTINCT sha256, ticket FROM blob_refs WHERE sha256 NOT IN (SELECT sha256 FROM blob_uploads) ORDER BY ticket, sha256")
        }
        var out: [LocalBlob] = []
        for row in rows {
            guard let d = Digest(hex: row["sha256"]), let id = EntityID(row["ticket"]), let t = try ticket(id),
                let a = t.attachments.first(where: { $0.attachment.sha256 == d })
            else { continue }
            if !out.contains(where: { $0.digest == d }) { out.append(LocalBlob(digest: d, size: a.attachment.byteSize, ticket: id)) }
        }
        return out
    }

    /// Records that the node holds the blob whole.
    public func confirmBlob(_ digest: Digest, now: UInt64) throws(StoreError) {
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO blob_uploads (sha256, confirmed_wall) VALUES (?, ?)", arguments: [digest.hex, Int64(now)])
        }
    }

    public func isBlobConfirmed(_ digest: Digest) throws(StoreError) -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM blob_uploads WHERE sha256 = ?", arguments: [digest.hex]) ?? false }
    }
}
