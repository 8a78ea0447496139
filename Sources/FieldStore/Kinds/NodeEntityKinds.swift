import FieldModel
import Foundation

/// The entity kinds beyond tickets a node keeps rows and scope for: the one place a kind
/// is registered for the node's stores (``NodeEntityKind``).
public enum NodeEntityKinds {
    public static let all: [any NodeEntityKind.Type] = [ArticleKind.self, StockKind.self, TransferKind.self]

    /// Whether entities of `kind` are seen by the principals their audience names only
    /// (``NodeEntityKind/scopedByName``): a ticket's change never decides their scope.
    public static func scopedByName(_ id: EntityID) -> Bool {
        all.first { $0.kind == id.kind }?.scopedByName ?? false
    }

    /// Whether this version keeps rows and scope for entities of `kind`.
    public static func keeps(_ kind: EntityKind) -> Bool { all.contains { $0.kind == kind } }

    /// What a node keeps of `id`, derived from its ops (in any order) by its kind's model;
    /// nil when this version keeps nothing for the kind (its ops are stored and forwarded).
    public static func record(of id: EntityID, ops: [Op], seq: Int64) -> EntityRecord? {
        guard let kind = all.first(where: { $0.kind == id.kind }) else { return nil }
        return record(kind, id, ops, seq)
    }

    /// Who may see `id` when its id alone decides it (``NodeEntityKind/audience(of:)-(EntityID)``).
    public static func audience(of id: EntityID) -> EntityAudience? {
        all.first(where: { $0.kind == id.kind })?.audience(of: id)
    }

    /// What a node keeps of `id` when its id alone decides it (a location's stock): no op
    /// need be read. nil when the kind must read its state.
    public static func recordByID(_ id: EntityID, seq: Int64) -> EntityRecord? {
        guard let kind = all.first(where: { $0.kind == id.kind }) else { return nil }
        return recordByID(kind, id, seq)
    }

    private static func recordByID<K: NodeEntityKind>(_ kind: K.Type, _ id: EntityID, _ seq: Int64) -> EntityRecord? {
        guard let audience = K.audience(of: id), let row = K.row(of: id, seq: seq) else { return nil }
        return EntityRecord(id: id, seq: seq, row: json(row), audience: audience)
    }

    static func json(_ row: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // A Codable struct of strings, numbers, booleans and lists always encodes.
        return String(decoding: (try? encoder.encode(row)) ?? Data("{}".utf8), as: UTF8.self)
    }

    private static func record<K: NodeEntityKind>(_ kind: K.Type, _ id: EntityID, _ ops: [Op], _ seq: Int64) -> EntityRecord {
        var state = K.State(id: id)
        for op in ops where K.State.derives(from: op) { state.apply(op) }
        let row = K.row(of: state, seq: seq).map(json)
        return EntityRecord(
            id: id, seq: seq, row: row, audience: row == nil ? .nobody : K.audience(of: state), blobs: row == nil ? [] : K.blobs(of: state))
    }
}

/// What a node keeps of one entity beyond tickets: its row (JSON of its kind's
/// ``NodeEntityKind/Row``) and who may see it.
public struct EntityRecord: Sendable, Hashable {
    public let id: EntityID
    /// The op-log position of the last op it was derived from.
    public let seq: Int64
    /// nil: nothing to show; a store keeps no row.
    public let row: String?
    public let audience: EntityAudience
    /// The blobs it shows (``NodeEntityKind/blobs(of:)``), each once.
    public let blobs: [Digest]

    public init(id: EntityID, seq: Int64, row: String?, audience: EntityAudience, blobs: [Digest] = []) {
        self.id = id
        self.seq = seq
        self.row = row
        self.audience = audience
        self.blobs = blobs
    }

    /// The row decoded as `kind`'s; nil when it is another kind's or unreadable.
    public func row<K: NodeEntityKind>(as kind: K.Type) -> K.Row? {
        guard id.kind == K.State.kind, let row else { return nil }
        return try? JSONDecoder().decode(K.Row.self, from: Data(row.utf8))
    }
}
