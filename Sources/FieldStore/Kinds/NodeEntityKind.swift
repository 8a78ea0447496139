import FieldModel
import Foundation

/// One entity kind beyond tickets as a node keeps it, whichever database holds the node:
/// the row the model derives from the entity's ops, and who may see it. Both are decided
/// here, above the backends; a backend only writes what they say.
///
/// A new kind is its model folder (``EntityState``), its codec, one type conforming to this
/// and one line in ``NodeEntityKinds/all``. PostgreSQL keeps every such kind in the same
/// generic tables (`entities`, `entity_terms`, `entity_scope`), so it needs no code of its
/// own for the kind; SQLite keeps its own rows per kind (`EntityProjection`), because a
/// device searches them.
public protocol NodeEntityKind: SendableMetatype {
    associatedtype State: EntityState
    /// The kind's row, as `kb list` or its like shows it; stored as JSON.
    associatedtype Row: Codable, Sendable, Equatable

    /// The kind's name (its state's).
    static var kind: EntityKind { get }
    /// The row of an entity; nil when there is nothing to show yet (an article retired
    /// before any version arrived): a store then keeps no row.
    static func row(of state: State, seq: Int64) -> Row?
    /// Who may see the entity as it stands.
    static func audience(of state: State) -> EntityAudience
    /// The blobs the entity shows as it stands (an article's images): a principal that may
    /// see it may download them, so a store must find the entity from the blob.
    static func blobs(of state: State) -> [Digest]
    /// Who may see the entity, when its id alone decides it (a van's stock); nil when its
    /// state must be read.
    static func audience(of id: EntityID) -> EntityAudience?
    /// The row, when the id alone decides it (with ``audience(of:)-(EntityID)``, the entity's
    /// ops need not be read); nil when the state must be.
    static func row(of id: EntityID, seq: Int64) -> Row?
    /// Whether only the principals its audience names see it (never through tickets):
    /// a ticket's change never decides its scope again.
    static var scopedByName: Bool { get }
}

extension NodeEntityKind {
    public static var kind: EntityKind { State.kind }
    /// No blobs: most kinds show none.
    public static func blobs(of state: State) -> [Digest] { [] }
    /// Read from the state: most kinds' audience is.
    public static func audience(of id: EntityID) -> EntityAudience? { nil }
    public static func row(of id: EntityID, seq: Int64) -> Row? { nil }
    public static var scopedByName: Bool { false }
}

/// Who may see an entity beyond tickets: everyone (every device, whatever its tickets),
/// the engineers with a ticket that fits its ``TicketMatch`` (the model's rule), principals
/// it names (a van's engineer sees its stock), any of these, or nobody (a retired article).
public struct EntityAudience: Hashable, Sendable, Codable {
    public var everyone: Bool
    /// Engineers with a ticket in their scope that fits this; nil: no engineer through tickets.
    public var tickets: TicketMatch?
    /// Principals who see it by name, sorted.
    public var principals: [String]

    public init(everyone: Bool = false, tickets: TicketMatch? = nil, principals: [String] = []) {
        self.everyone = everyone
        self.tickets = tickets
        self.principals = Array(Set(principals)).sorted()
    }

    enum CodingKeys: String, CodingKey { case everyone, tickets, principals }

    // Audiences stored before principals were named decode with none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        everyone = try c.decode(Bool.self, forKey: .everyone)
        tickets = try c.decodeIfPresent(TicketMatch.self, forKey: .tickets)
        principals = try c.decodeIfPresent([String].self, forKey: .principals) ?? []
    }

    /// In no one's scope.
    public static let nobody = EntityAudience()

    /// Whether `principal`, an engineer whose tickets have `facts`, may see the entity
    /// (everyone's share is the scope's to add, under the principal `*`).
    public func admits(_ principal: String, _ facts: [TicketFacts]) -> Bool {
        principals.contains(principal) || admits(facts)
    }

    /// Whether an engineer whose tickets have `facts` may see the entity through them.
    public func admits(_ facts: [TicketFacts]) -> Bool {
        guard let tickets else { return false }
        return facts.contains { tickets.fits($0) }
    }

    /// The terms a store indexes to find candidate tickets for the entity, folded as the
    /// rule compares them, distinct, never empty: a candidate is only a candidate, and
    /// ``admits(_:)`` decides.
    public var terms: [EntityTerm] {
        guard let tickets else { return [] }
        var out: Set<EntityTerm> = []
        for (kind, list) in [(EntityTerm.Kind.deviceModel, tickets.deviceModels), (.faultCode, tickets.faultCodes), (.keyword, tickets.keywords)] {
            for term in list.map(ArticlePublished.folded) where !term.isEmpty { out.insert(EntityTerm(kind: kind, term: term)) }
        }
        return out.sorted { ($0.kind.rawValue, $0.term) < ($1.kind.rawValue, $1.term) }
    }
}

/// A term of an ``EntityAudience`` as a store indexes it.
public struct EntityTerm: Hashable, Sendable {
    public enum Kind: String, Sendable {
        /// Equal to a ticket's device model.
        case deviceModel = "m"
        /// Equal to a ticket's fault code.
        case faultCode = "c"
        /// Found in a ticket's fault description.
        case keyword = "k"
    }

    public var kind: Kind
    public var term: String
}
