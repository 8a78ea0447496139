import FieldModel
import FieldStore

/// Knowledge-base articles on the device: the ones the node sent for its tickets, searched
/// offline.
extension FieldReplica {
    /// The article `raw` names (`fan-guide` or `article:fan-guide`); a clear error if this
    /// device holds none by that id.
    public func article(_ raw: String) throws -> StoredArticle {
        let id = raw.hasPrefix(Article.kind.rawValue + ":") ? EntityID(raw) : EntityID(kind: Article.kind, name: raw)
        guard let id, let stored = try store.article(id), !stored.retired else {
            throw ClientError(.badArgument, "no article '\(raw)' on this device: `fieldsync kb search WORDS` finds the ones it holds")
        }
        return stored
    }

    /// Articles on this device that fit `ticket`, by title.
    public func articles(fitting ticket: Ticket) throws -> [StoredArticle] {
        try store.articles(fitting: TicketFacts(ticket))
    }

    /// Searches the articles on this device (bm25, title above body); with `ticket`, those
    /// that fit it come first, each group in rank order.
    public func searchArticles(_ text: String, ticket: Ticket? = nil, limit: Int = 20) throws -> [SearchHit] {
        guard limit > 0, limit <= 1_000 else { throw ClientError(.badArgument, "--limit takes 1 to 1000") }
        guard let ticket else { return try store.searchArticles(text, limit: limit) }
        // The fitting ones searched on their own, so one ranked far down still leads.
        let fitting = try articles(fitting: ticket).map(\.id)
        let first = try store.searchArticles(text, limit: limit, within: fitting)
        let ids = Set(first.map(\.id))
        let rest = try store.searchArticles(text, limit: limit).filter { !ids.contains($0.id) }
        return Array((first + rest).prefix(limit))
    }

    /// Which of an article's images are not on this device (fetched on demand).
    public func missingImages(of article: StoredArticle) -> [Digest] {
        article.version.images.filter { !blobs.contains($0) }
    }
}
