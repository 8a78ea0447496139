import FieldModel

/// An engineer a depot serves, or served until `removedAt` (M8).
public struct DepotMember: Sendable, Hashable, Codable {
    public let engineer: String
    public let addedAt: UInt64
    public let removedAt: UInt64?

    public init(engineer: String, addedAt: UInt64, removedAt: UInt64?) {
        self.engineer = engineer
        self.addedAt = addedAt
        self.removedAt = removedAt
    }

    /// Whether `name` could be an engineer's (the token-name rule): what a depot keeps of
    /// the names its upstream lists.
    public static func isEngineerName(_ name: String) -> Bool { (try? checkNames(depot: "-", engineer: name)) != nil }

    /// Refuses a membership whose names only principals of other roles hold: a depot's name
    /// must be a depot's, an engineer's an engineer's, when tokens are named so (`roles`: the
    /// roles of the tokens so named). A name with no token yet is taken: its token may be
    /// made after.
    public static func checkRoles(depot: String, depotRoles: [String], engineer: String, engineerRoles: [String]) throws(StoreError) {
        for (name, roles, role) in [(depot, depotRoles, Principal.Role.depot), (engineer, engineerRoles, .engineer)] {
            let others = roles.filter { $0 != role.rawValue }
            if !others.isEmpty, !roles.contains(role.rawValue) {
                throw StoreError(.invalidOp, "\(name) is a principal of role \(others.joined(separator: ", ")) here, not \(role == .depot ? "a depot" : "an engineer")")
            }
        }
    }

    /// Refuses names no principal can have (the token-name rule, ``NewToken``).
    public static func checkNames(depot: String, engineer: String) throws(StoreError) {
        for (what, name) in [("depot", depot), ("engineer", engineer)] where name.isEmpty || name.utf8.count > 64 || !ReplicaID.isValid(name) {
            // Quoted with escapes: a hostile name's control characters never reach a terminal.
            throw StoreError(.invalidOp, "\(what) name \(String(reflecting: name)) must be 1–64 letters, digits, '.', '_' or '-', as its token's name")
        }
    }
}

/// Which engineers each depot serves and which depots it relays, on either backend (M8).
public protocol DepotStore: Sendable {
    /// Adds (`member`) or removes `engineer` at `depot`; false when nothing changed.
    func setDepotMember(depot: String, engineer: String, member: Bool, now: UInt64) async throws(StoreError) -> Bool
    /// The engineers `depot` serves or served, oldest first: its own and its sub-depots'.
    func depotMembers(of depot: String) async throws(StoreError) -> [DepotMember]
    /// Lets `parent` relay `child` (or not, `relayed: false`), refusing what would not make
    /// a tree; false when nothing changed (M8 trees).
    func setDepotRelay(parent: String, child: String, relayed: Bool, now: UInt64) async throws(StoreError) -> Bool
    /// The relays `depot` reaches and the engineers of the depots they reach.
    func depotTree(of depot: String) async throws(StoreError) -> DepotTree
    /// The replicas owned by any of `depots` (their own nodes' replicas, claimed or pushed).
    func replicas(ownedBy depots: [String]) async throws(StoreError) -> [RelayedReplica]
    /// Records the replicas `depot` claims for the depots it relays (``RelayedReplica``);
    /// why any was refused.
    func claimRelayedReplicas(_ claims: [RelayedReplica], by depot: String) async throws(StoreError) -> [RelayedReplica.Refusal]
    /// The tokens of the engineers `depot` serves now and of the depots it relays now
    /// (revoked ones too, as revoked): what it adopts at each sync, so an engineer's token
    /// made at central works there.
    func memberTokens(of depot: String) async throws(StoreError) -> [TokenHash]
    /// The live (unrevoked) tokens of role depot, with their SHA-256: what a bundle's request,
    /// sealed with a depot's token's hash, is checked against (SPEC §11).
    func depotTokens() async throws(StoreError) -> [TokenHash]
}

extension DepotStore {
    /// What `depot` adopts (`GET /v1/depot/tree`, a bundle's answer): the tree below it, with
    /// the own replicas of every depot it reaches or reached; `whole`, its ``depotTree(of:)``
    /// when read already.
    public func tree(below depot: String, of whole: DepotTree? = nil) async throws(StoreError) -> DepotTree {
        let read: DepotTree
        if let whole { read = whole } else { read = try await depotTree(of: depot) }
        var tree = read.below(depot)
        tree.replicas = try await replicas(ownedBy: read.reach(from: depot).keys.filter { $0 != depot }.sorted())
        return tree
    }
}

extension Array where Element == DepotMember {
    /// The engineers among these a depot serves now (not removed).
    public var current: [String] { filter { $0.removedAt == nil }.map(\.engineer) }
}

/// A token as a depot adopts it from central (M8): its record and its SHA-256, never the
/// token itself. Only engineers' and depots' tokens travel, and only to the depot serving
/// those engineers or relaying those depots.
public struct TokenHash: Sendable, Hashable, Codable {
    public let record: TokenRecord
    public let sha256: String

    public init(record: TokenRecord, sha256: String) {
        self.record = record
        self.sha256 = sha256
    }

    /// An engineer's or a depot's token with a well-formed hash and name: what a depot may
    /// take in (a depot's, for one it relays, M8 trees).
    public var isAdoptable: Bool {
        (record.role == .engineer || record.role == .depot) && sha256.count == 64 && sha256.allSatisfy { $0.isHexDigit && !$0.isUppercase }
            && DepotMember.isEngineerName(record.name) && !record.id.isEmpty && record.id.count <= 64
            && ReplicaID.isValid(record.id)
    }
}
