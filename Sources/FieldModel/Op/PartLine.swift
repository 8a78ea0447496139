/// A spare part used on a ticket. The line's id is the id of the op that added it, so a
/// removal names exactly one line and a line added concurrently is never lost.
public struct PartLine: Hashable, Sendable {
    public let partNumber: String
    public let quantity: Quantity
    /// Unit of the quantity: `pcs`, `m`, `l`…
    public let unit: String
    /// Stock location it came from, e.g. `van:E17` or `depot:north`; the parts ledger
    /// is derived from these.
    public let location: String

    public init(partNumber: String, quantity: Quantity, unit: String = "pcs", location: String) {
        self.partNumber = partNumber
        self.quantity = quantity
        self.unit = unit
        self.location = location
    }
}

/// Removes a part line added by op `line`.
public struct PartRemoval: Hashable, Sendable {
    public let line: OpID
    public init(line: OpID) { self.line = line }
}
