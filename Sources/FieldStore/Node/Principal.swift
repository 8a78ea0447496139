import FieldModel

/// Who is calling the node: a token's name and role.
public struct Principal: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        case engineer, depot, dispatcher, warehouse, admin
    }

    /// For an engineer, the engineer id tickets are assigned to (e.g. `E17`).
    public let name: String
    public let role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// Sees and may change every ticket: every role but an engineer (their tickets) and a
    /// depot (its engineers', M8).
    public var seesEverything: Bool { role != .engineer && role != .depot }

    /// Whether this principal may claim `replica` when the node knows no owner of it: an
    /// engineer's devices name their ids after the engineer (`e17-…`, and the ids a
    /// restored copy forks to, SPEC §9.3); other roles claim any id they push first.
    public func mayClaim(_ replica: ReplicaID) -> Bool {
        role != .engineer || replica.rawValue.hasPrefix(name.lowercased() + "-")
    }

    /// Who this principal is to stock ownership (``StockAuthority``): an engineer owns their
    /// van, a warehouse or depot its site, an administrator (the central's own writes)
    /// every location, a dispatcher none.
    public var stockActor: StockActor {
        switch role {
        case .engineer: .engineer(name)
        case .warehouse, .depot: .site(name)
        case .admin: .central
        case .dispatcher: .nobody
        }
    }
}
