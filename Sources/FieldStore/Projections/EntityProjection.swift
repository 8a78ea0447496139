import FieldModel
import GRDB

/// One entity kind's rows in a replica store: what the model derives from the kind's ops,
/// rewritten in the same transaction that stores them, so queries read and never merge.
///
/// A new kind (stock, templates) is one type conforming to this and one line in
/// `EntityProjections.all`, beside its ``NodeEntityKind`` (its row and audience for a node,
/// which is all PostgreSQL needs). On SQLite the scope of kinds beyond tickets is still
/// `EntityScope`'s, written for articles: a kind with an audience of its own needs it there. Tickets predate it and keep their own rows and cache
/// (`TicketRows`, `TicketCache`): the hot path of every edit.
protocol EntityProjection: SendableMetatype {
    static var kind: EntityKind { get }
    /// Re-derives `id` from its stored ops and rewrites its rows.
    static func refresh(_ id: EntityID, _ db: Database) throws
    /// Removes every row of `id` (it left this replica's scope); its ops are removed by the caller.
    static func purge(_ id: EntityID, _ db: Database) throws
    /// Re-derives `id` from every op it has now (some were renumbered): a projection that
    /// keeps only what is new (``StockRows``) starts again.
    static func rebuild(_ id: EntityID, _ db: Database) throws
}

extension EntityProjection {
    static func rebuild(_ id: EntityID, _ db: Database) throws { try refresh(id, db) }
}

/// The projections a store keeps, by kind.
enum EntityProjections {
    static let all: [any EntityProjection.Type] = [ArticleRows.self, StockRows.self, TransferRows.self]

    static func projection(for kind: EntityKind) -> (any EntityProjection.Type)? {
        all.first { $0.kind == kind }
    }

    /// Rewrites the rows of every subject in `subjects` whose kind has a projection.
    static func refresh(_ subjects: Set<EntityID>, _ db: Database) throws {
        for id in subjects.sorted(by: { $0.rawValue < $1.rawValue }) {
            try projection(for: id.kind)?.refresh(id, db)
        }
    }
}
