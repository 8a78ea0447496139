/// The kinds of entity this version derives state for: the one place a new kind is
/// registered (its state type). Ops on entities of any other kind are kept and
/// forwarded by the store, never dropped, and derive nothing.
public enum EntityKinds {
    public static let registered: [any EntityState.Type] = [Ticket.self, Article.self, Stock.self, StockTransfer.self]

    /// The state type of `kind`, if this version knows it.
    public static func state(of kind: EntityKind) -> (any EntityState.Type)? {
        byKind[kind]
    }

    private static let byKind: [EntityKind: any EntityState.Type] = Dictionary(
        uniqueKeysWithValues: registered.map { ($0.kind, $0) })
}
