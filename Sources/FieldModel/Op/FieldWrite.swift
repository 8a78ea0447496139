/// A write to one scalar field. It names the writes it replaces (the values its author
/// saw), so two writes are concurrent exactly when neither names the other.
public struct FieldWrite: Hashable, Sendable {
    public let field: String
    public let value: String
    /// Op ids of the values this write replaces, sorted.
    public let replaces: [OpID]

    public init(field: String, value: String, replaces: [OpID]) {
        self.field = field
        self.value = value
        self.replaces = replaces.sorted()
    }
}
