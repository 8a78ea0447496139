import FieldModel
import GRDB

extension ReplicaStore {
    /// Removes entities that left this replica's scope (SPEC §3.11): their ops made
    /// elsewhere, their rows, their search entries. Ops this replica made itself are kept
    /// (they are its work, and it still pushes them). Returns the blobs only the purged
    /// entities referred to, for the caller to delete from the blob folder.
    static func purge(_ ids: [EntityID], own: ReplicaID, _ db: Database, cache: TicketCache) throws -> [Digest] {
        var images: Set<Digest> = []
        for id in ids {
            images.formUnion(
                try String.fetchAll(db, sql: "SELECT sha256 FROM article_images WHERE article = ?", arguments: [id.rawValue])
                    .compactMap(Digest.init(hex:)))
            try db.execute(sql: "DELETE FROM ops WHERE subject = ? AND replica != ?", arguments: [id.rawValue, own.rawValue])
            if id.kind == .ticket {
                for table in ["tickets": "id", "blob_refs": "ticket"] {
                    try db.execute(sql: "DELETE FROM \(table.key) WHERE \(table.value) = ?", arguments: [id.rawValue])
                }
                // The engineer's own part lines stay (their ops are kept, and pushed): what
                // they took from the van is still gone from it.
                var own = Ticket(id: id)
                for op in try OpRows.ops(of: id, db).ops { own.apply(op) }
                try StockRows.ticketChanged(own, db)
                cache.remove([id])
            } else {
                try EntityProjections.projection(for: id.kind)?.purge(id, db)
            }
        }
        // Still shown by an article kept, or attached to a ticket: not the purge's to delete.
        return try images.filter { digest in
            let hex = digest.hex
            let inArticle = try Bool.fetchOne(db, sql: "SELECT 1 FROM article_images WHERE sha256 = ?", arguments: [hex]) ?? false
            let onTicket = try Bool.fetchOne(db, sql: "SELECT 1 FROM blob_refs WHERE sha256 = ?", arguments: [hex]) ?? false
            return !inArticle && !onTicket
        }.sorted { $0.hex < $1.hex }
    }
}
