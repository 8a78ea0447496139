import FieldModel

/// A depot whose upstream is another depot (M8, relay trees): `parent` relays what `child`
/// takes from its engineers, as `fieldsync-node depot add-relay PARENT CHILD` records it at
/// central. A removal is kept, as a member's is: it ends what the parent serves, not the
/// history it holds.
public struct DepotRelay: Sendable, Hashable, Codable {
    public let parent: String
    public let child: String
    public let addedAt: UInt64
    public let removedAt: UInt64?

    public init(parent: String, child: String, addedAt: UInt64, removedAt: UInt64?) {
        self.parent = parent
        self.child = child
        self.addedAt = addedAt
        self.removedAt = removedAt
    }
}

/// An engineer of one depot, as a depot's tree lists them.
public struct DepotMembership: Sendable, Hashable, Codable {
    public let depot: String
    public let member: DepotMember

    public init(depot: String, member: DepotMember) {
        self.depot = depot
        self.member = member
    }
}

/// Part of the relay tree as central records it: relays and the engineers of the depots
/// they reach. A depot serves its own engineers and, through the depots it relays (and
/// theirs), their engineers too: it relays their devices' ops, so it is owed what they see.
/// A depot adopts the part below it (`GET /v1/depot/tree`), so it serves its sub-depots as
/// central would. Pure: each backend reads the rows, this decides.
public struct DepotTree: Sendable, Hashable, Codable {
    public var relays: [DepotRelay]
    public var members: [DepotMembership]
    /// The own replicas of the depots below, as the upstream records their owners: a depot
    /// put above an existing pair, which pulled a sub-depot's ops before relaying it, knows
    /// that replica is the sub-depot's (``RelayedReplica``). Absent from older upstreams.
    public var replicas: [RelayedReplica]?

    public init(relays: [DepotRelay] = [], members: [DepotMembership] = [], replicas: [RelayedReplica]? = nil) {
        self.relays = relays
        self.members = members
        self.replicas = replicas
    }

    /// The most depots one path may hold: deeper trees are refused when made, and a deeper
    /// one sent by a confused upstream is cut there (as the SQLite scope's `Scope.depotNames`).
    public static let maxDepth = 16

    /// When a path of relays stood: from the latest of its relays' additions to the earliest
    /// of their removals (nil: it stands).
    public struct Span: Sendable, Hashable {
        public let start: UInt64
        public let end: UInt64?

        /// Whether this span serves better than `other`: one that stands beats one that
        /// ended, a later end an earlier, then an earlier start a later.
        func outlasts(_ other: Span) -> Bool {
            if end != other.end { return DepotTree.outlasts(end, other.end) }
            return start < other.start
        }
    }

    /// Each depot `depot` reaches through relays (itself included, from 0 and standing), with
    /// the span its best path stood (``spans(from:)``).
    public func reach(from depot: String) -> [String: Span] { Self.best(spans(from: depot)) }

    /// The best span of each depot's.
    static func best(_ spans: [String: [Span]]) -> [String: Span] {
        spans.compactMapValues { spans in spans.reduce(nil) { best, span in best.map { span.outlasts($0) ? span : $0 } ?? span } }
    }

    /// Each depot `depot` reaches through relays, with the span of every path to it: a depot
    /// relayed by one parent, then by another, was reached through each while it stood. A
    /// path whose relays never stood together reaches nothing; a loop (only ever sent, never
    /// made) ends at `maxDepth` depots.
    public func spans(from depot: String) -> [String: [Span]] {
        var reached: [String: [Span]] = [depot: [Span(start: 0, end: nil)]]
        var level: [(String, Span)] = [(depot, Span(start: 0, end: nil))]
        for _ in 1..<Self.maxDepth where !level.isEmpty {
            var next: [(String, Span)] = []
            for (parent, above) in level {
                for relay in relays where relay.parent == parent {
                    let span = Span(start: max(above.start, relay.addedAt), end: Self.earlier(above.end, relay.removedAt))
                    if let end = span.end, end <= span.start { continue }
                    if reached[relay.child]?.contains(span) == true { continue }
                    reached[relay.child, default: []].append(span)
                    next.append((relay.child, span))
                }
            }
            level = next
        }
        return reached
    }

    /// The engineers `depot` serves or served, oldest first: its own and, through the relays
    /// below it, its sub-depots' while those relays stood. One served only through a relay
    /// since removed counts as removed then; one who joined a sub-depot after its relay
    /// ended, or left before it began, was never served through it.
    public func served(by depot: String) -> [DepotMember] { served(through: spans(from: depot)) }

    /// The engineers of the depots `reached` (``spans(from:)``), while those spans stood.
    private func served(through reached: [String: [Span]]) -> [DepotMember] {
        var best: [String: DepotMember] = [:]
        for entry in members {
            let m = entry.member
            for span in reached[entry.depot] ?? [] {
                if let end = span.end, m.addedAt >= end { continue }
                if let left = m.removedAt, left <= span.start { continue }
                let served = DepotMember(engineer: m.engineer, addedAt: m.addedAt, removedAt: Self.earlier(span.end, m.removedAt))
                if let known = best[m.engineer], !Self.outlasts(served.removedAt, known.removedAt) { continue }
                best[m.engineer] = served
            }
        }
        return best.values.sorted { ($0.addedAt, $0.engineer) < ($1.addedAt, $1.engineer) }
    }

    /// What a push by `depot` may carry (``PushCheck``): the replicas of engineers it serves
    /// or served and of depots it relays or relayed; new devices of the engineers it serves
    /// now only (a sub-depot's own replica comes by claim, ``RelayedReplica``).
    public func rights(of depot: String) -> RelayRights {
        let reached = spans(from: depot)
        let served = served(through: reached)
        return RelayRights(engineers: Set(served.map(\.engineer)), current: Set(served.current), depots: Set(reached.keys).subtracting([depot]))
    }

    /// The depots `depot` relays now, at any depth (itself not included).
    public func relayed(by depot: String) -> [String] { Self.standing(reach(from: depot), except: depot) }

    /// The depots whose best span stands, but `depot`.
    private static func standing(_ reach: [String: Span], except depot: String) -> [String] {
        reach.compactMap { name, span in name != depot && span.end == nil ? name : nil }.sorted()
    }

    /// The names beyond its own whose scope `depot` sees: its current engineers (its
    /// sub-depots' included) and the depots it relays now (their sites' stock).
    public func seen(by depot: String) -> [String] {
        let reached = spans(from: depot)
        return Array(Set(served(through: reached).current + Self.standing(Self.best(reached), except: depot))).sorted()
    }

    /// What `depot` adopts: the relays it reaches and the engineers of the depots below it
    /// (its own are what `/v1/depot/members` lists).
    public func below(_ depot: String) -> DepotTree {
        let reached = reach(from: depot)
        return DepotTree(
            relays: relays.filter { reached[$0.parent] != nil }.sorted { ($0.parent, $0.child) < ($1.parent, $1.child) },
            members: members.filter { $0.depot != depot && reached[$0.depot] != nil }
                .sorted { ($0.depot, $0.member.engineer) < ($1.depot, $1.member.engineer) })
    }

    /// Refuses a relay that would not make a tree: a depot relaying itself, a child that
    /// another depot relays now, or one the parent is relayed through (a loop).
    public func checkRelay(parent: String, child: String) throws(StoreError) {
        try DepotMember.checkNames(depot: parent, engineer: child)
        guard parent != child else { throw StoreError(.invalidOp, "depot \(parent) cannot relay itself") }
        if let other = relays.first(where: { $0.child == child && $0.removedAt == nil && $0.parent != parent }) {
            throw StoreError(
                .invalidOp, "depot \(child) is relayed by \(other.parent) now: a depot has one upstream (`fieldsync-node depot remove-relay \(other.parent) \(child)` first)")
        }
        if relayed(by: child).contains(parent) {
            throw StoreError(.invalidOp, "depot \(parent) is relayed through \(child): relaying \(child) by it would make a loop")
        }
        if depth(above: parent) + 1 + height(below: child) > Self.maxDepth {
            throw StoreError(.invalidOp, "relays are at most \(Self.maxDepth) depots deep")
        }
    }

    /// Refuses to relay `name` unless it is a depot's: a token of role depot is named so
    /// (`roles`: the roles of the tokens named `name`).
    public static func checkIsDepot(_ name: String, roles: [String]) throws(StoreError) {
        guard roles.contains(Principal.Role.depot.rawValue) else {
            throw StoreError(
                .invalidOp,
                roles.isEmpty
                    ? "\(name) is no depot here: make its token first (`fieldsync-node token create --role depot --name \(name)`)"
                    : "\(name) is a principal of role \(roles.filter { $0 != "depot" }.joined(separator: ", ")) here, not a depot")
        }
    }

    /// How many depots stand above `depot` through relays that stand.
    func depth(above depot: String) -> Int {
        var (count, name) = (0, depot)
        while let up = relays.first(where: { $0.child == name && $0.removedAt == nil }), count < Self.maxDepth {
            (count, name) = (count + 1, up.parent)
        }
        return count
    }

    /// How many levels of standing relays lie below `depot`, itself counted.
    func height(below depot: String) -> Int {
        var (level, height) = ([depot], 0)
        while !level.isEmpty, height <= Self.maxDepth {
            height += 1
            level = relays.filter { $0.removedAt == nil && level.contains($0.parent) }.map(\.child)
        }
        return height
    }

    /// The earlier of two ends, nil (still standing) only when both are.
    static func earlier(_ a: UInt64?, _ b: UInt64?) -> UInt64? {
        switch (a, b) {
        case (nil, nil): nil
        case (let a?, nil): a
        case (nil, let b?): b
        case (let a?, let b?): min(a, b)
        }
    }

    /// Whether a path or membership ending at `a` outlasts one ending at `b` (nil: standing).
    static func outlasts(_ a: UInt64?, _ b: UInt64?) -> Bool {
        switch (a, b) {
        case (nil, nil): false
        case (nil, _?): true
        case (_?, nil): false
        case (let a?, let b?): a > b
        }
    }
}

/// Whose replicas a depot's push may carry (``DepotTree/rights(of:)``); empty for anyone else.
public struct RelayRights: Sendable, Hashable {
    /// Engineers the depot serves or served: their replicas it may relay.
    public var engineers: Set<String> = []
    /// Engineers it serves now: a new device named after one of them is claimed for them.
    public var current: Set<String> = []
    /// Depots it relays or relayed: their own replicas it may relay, once claimed for them.
    public var depots: Set<String> = []

    public init(engineers: Set<String> = [], current: Set<String> = [], depots: Set<String> = []) {
        self.engineers = engineers
        self.current = current
        self.depots = depots
    }

    /// The owners whose replicas the depot relays.
    public var owners: Set<String> { engineers.union(depots) }
}

/// A sub-depot's own replica (its node's id, which names no engineer), claimed for it at the
/// upstream by the depot that relays it (`POST /v1/depot/replicas`), so its own ops (its
/// site's stock) go up through every hop as its own.
public struct RelayedReplica: Sendable, Hashable, Codable {
    public let replica: String
    public let depot: String

    public init(replica: String, depot: String) {
        self.replica = replica
        self.depot = depot
    }

    /// Claims in one request, at most.
    public static let perRequest = 1_000

    /// A claim refused, and why.
    public struct Refusal: Sendable, Hashable, Codable {
        public let replica: String
        public let why: String

        public init(replica: String, why: String) {
            self.replica = replica
            self.why = why
        }
    }

    /// Why `claimant` may not claim this whatever the store holds (nil: it may so far): the
    /// id must be one, and the depot one it relays now.
    public func refusal(by claimant: String, relayed: [String]) -> Refusal? {
        guard ReplicaID(replica) != nil else { return Refusal(replica: String(replica.prefix(64)), why: "\(shown) is not a replica id") }
        guard relayed.contains(depot) else { return Refusal(replica: replica, why: "\(claimant) does not relay \(String(reflecting: String(depot.prefix(64)))) now") }
        return nil
    }

    /// Why it may not be claimed given what the store holds (nil: the replica is the depot's
    /// from now): the id is no engineer's device's (named after an engineer the store knows,
    /// `namedAfterEngineer`), owned by no one else (`owner`), and, unowned, has no ops here
    /// (`holdsOps`: it came from elsewhere, central's or another's).
    public func refusal(namedAfterEngineer: Bool, owner: String?, holdsOps: Bool) -> Refusal? {
        if owner == depot { return nil }
        if namedAfterEngineer { return Refusal(replica: replica, why: "replica \(shown) is named after an engineer: it is their device's") }
        if owner != nil { return Refusal(replica: replica, why: "replica \(shown) belongs to another principal") }
        if holdsOps { return Refusal(replica: replica, why: "replica \(shown) has ops here that no depot pushed: it is not \(depot)'s") }
        return nil
    }

    private var shown: String { String(reflecting: String(replica.prefix(64))) }
}
