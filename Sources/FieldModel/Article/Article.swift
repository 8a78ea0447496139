/// A knowledge-base article as a replica holds it, derived from its ops: the latest
/// version published, unless a later retirement withdrew it.
///
/// Both are last-writer-wins registers (only central writes articles): applying ops in
/// any order, with duplicates, gives the same state, and merging keeps the latest of each.
public struct Article: EntityState {
    public static var kind: EntityKind { EntityKind("article") }

    public let id: EntityID
    /// The latest published version, and the op and stamp that published it.
    public private(set) var latest: (op: OpID, stamp: Timestamp, version: ArticlePublished)?
    /// The latest retirement's stamp.
    public private(set) var retiredAt: Timestamp?

    public init(id: EntityID) { self.id = id }

    public static func derives(from op: Op) -> Bool {
        guard case .entity(let e) = op.body else { return false }
        return e.body is ArticlePublished || e.body is ArticleRetired
    }

    /// The version to show; nil when none arrived or the article is retired.
    public var current: ArticlePublished? {
        guard let latest else { return nil }
        if let retiredAt, retiredAt > latest.stamp { return nil }
        return latest.version
    }

    public mutating func apply(_ op: Op) {
        guard case .entity(let e) = op.body else { return }
        if let published = e.body as? ArticlePublished {
            if latest == nil || Self.later(op.stamp, op.id, than: latest!) { latest = (op.id, op.stamp, published) }
        } else if e.body is ArticleRetired {
            if retiredAt == nil || op.stamp > retiredAt! { retiredAt = op.stamp }
        }
    }

    public func merging(_ other: Article) -> Article {
        var out = self
        if let theirs = other.latest, out.latest == nil || Self.later(theirs.stamp, theirs.op, than: out.latest!) { out.latest = theirs }
        if let theirs = other.retiredAt, out.retiredAt == nil || theirs > out.retiredAt! { out.retiredAt = theirs }
        return out
    }

    /// Whether a version stamped `stamp` by `op` is later than `latest`: by stamp, and by
    /// op id between equal stamps (a replica never stamps two ops alike, but a merge must
    /// not depend on that).
    static func later(_ stamp: Timestamp, _ op: OpID, than latest: (op: OpID, stamp: Timestamp, version: ArticlePublished)) -> Bool {
        stamp != latest.stamp ? stamp > latest.stamp : op.description > latest.op.description
    }

    /// SHA-256 over the latest version's op id and stamp and the retirement's stamp: the
    /// stamp's op carries one content, so equal digests mean equal articles.
    public var digest: Digest {
        var h = SHA256()
        h.update(Array(id.rawValue.utf8))
        if let latest { h.update(Array("|\(latest.op)|\(latest.stamp)".utf8)) }
        if let retiredAt { h.update(Array("|retired \(retiredAt)".utf8)) }
        return h.finalize()
    }

    public static func == (a: Article, b: Article) -> Bool {
        a.id == b.id && a.latest?.op == b.latest?.op && a.latest?.stamp == b.latest?.stamp
            && a.latest?.version == b.latest?.version && a.retiredAt == b.retiredAt
    }

    public func hash(into h: inout Hasher) {
        h.combine(id)
        h.combine(latest?.op)
        h.combine(retiredAt)
    }
}
