import FieldModel
import GRDB

/// Which depots relay which (M8 trees), as `fieldsync-node depot add-relay PARENT CHILD`
/// records them at central. A depot adopts the part of the tree below it from its upstream
/// (rows marked `upstream`, with the engineers of the depots it reaches), so a depot whose
/// upstream is this one is served here as central would serve it.
enum DepotRelays {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE depot_relays (
                    parent TEXT NOT NULL,
                    child TEXT NOT NULL,
                    added_wall INTEGER NOT NULL,
                    removed_wall INTEGER,
                    upstream TEXT,
                    PRIMARY KEY (parent, child)
                ) WITHOUT ROWID;
                ALTER TABLE depot_members ADD COLUMN upstream TEXT;
                """)
    }

    /// Adds (`relayed`) or removes the relay of `child` by `parent`; false when nothing changed.
    static func set(parent: String, child: String, relayed: Bool, now: UInt64, _ db: Database) throws -> Bool {
        if relayed {
            for name in [parent, child] { try DepotTree.checkIsDepot(name, roles: DepotMembers.roles(of: name, db)) }
            try DepotTree(relays: all(db)).checkRelay(parent: parent, child: child)
            try db.execute(
                sql: """
                    INSERT INTO depot_relays (parent, child, added_wall, removed_wall) VALUES (?, ?, ?, NULL)
                    ON CONFLICT (parent, child) DO UPDATE SET removed_wall = NULL
                    WHERE removed_wall IS NOT NULL
                    """, arguments: [parent, child, Int64(clamping: now)])
        } else {
            try db.execute(
                sql: "UPDATE depot_relays SET removed_wall = ? WHERE parent = ? AND child = ? AND removed_wall IS NULL",
                arguments: [Int64(clamping: now), parent, child])
        }
        return db.changesCount > 0
    }

    /// Every relay recorded here.
    static func all(_ db: Database) throws -> [DepotRelay] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT parent, child, added_wall, removed_wall FROM depot_relays ORDER BY parent, child")
        ).map { DepotRelay(parent: $0[0], child: $0[1], addedAt: UInt64(clamping: $0[2] as Int64), removedAt: ($0[3] as Int64?).map { UInt64(clamping: $0) }) }
    }

    /// Replaces what was adopted from upstream with `tree` (from `upstream`, this depot's one
    /// upstream now); rows made here stay as they are. Names no principal can have, and relays closing a loop, are not kept. Returns whether anything changed.
    static func adopt(_ tree: DepotTree, from upstream: String, _ db: Database) throws -> Bool {
        // A depot has one upstream over the network: what an earlier one sent (the depot
        // moved) goes too. Bundles are a source of their own (``DepotMembers/sameSource``).
        let before = try adopted(db)
        let same = DepotMembers.sameSource("upstream", "?")
        try db.execute(sql: "DELETE FROM depot_relays WHERE upstream IS NOT NULL AND \(same)", arguments: [upstream])
        try db.execute(sql: "DELETE FROM depot_members WHERE upstream IS NOT NULL AND \(same)", arguments: [upstream])
        // A relay that would close a loop is not kept (central makes none; a confused upstream
        // might send one): it would make each depot on it serve the others' engineers.
        var kept = DepotTree(relays: try all(db))
        for r in tree.relays where (try? DepotMember.checkNames(depot: r.parent, engineer: r.child)) != nil {
            guard r.parent != r.child, !kept.relayed(by: r.child).contains(r.parent) else { continue }
            kept.relays.append(r)
            try db.execute(
                sql: "INSERT INTO depot_relays (parent, child, added_wall, removed_wall, upstream) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [r.parent, r.child, Int64(clamping: r.addedAt), r.removedAt.map { Int64(clamping: $0) }, upstream])
        }
        for e in tree.members where (try? DepotMember.checkNames(depot: e.depot, engineer: e.member.engineer)) != nil {
            try db.execute(
                sql: "INSERT INTO depot_members (depot, engineer, added_wall, removed_wall, upstream) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [e.depot, e.member.engineer, Int64(clamping: e.member.addedAt), e.member.removedAt.map { Int64(clamping: $0) }, upstream])
        }
        // The sub-depots' own replicas, as the upstream records them: owned here from now
        // (none a row here already names, this node's own included).
        let below = Set(kept.relays.map(\.child))
        var owned = 0
        for r in (tree.replicas ?? []).prefix(10_000) where below.contains(r.depot) {
            guard let replica = ReplicaID(r.replica), try ReplicaProgress.get(replica, db) == nil else { continue }
            try ReplicaProgress.advance(replica, to: 0, owner: r.depot, db)
            owned += 1
        }
        return try adopted(db) != before || owned > 0
    }

    /// Records each claim `depot` makes for a depot it relays (``RelayedReplica``); those
    /// refused, and why.
    static func claim(_ claims: [RelayedReplica], by depot: String, _ db: Database) throws -> [RelayedReplica.Refusal] {
        let relayed = try DepotMembers.tree(of: depot, db).relayed(by: depot)
        var refused: [RelayedReplica.Refusal] = []
        for claim in claims {
            if let why = claim.refusal(by: depot, relayed: relayed) {
                refused.append(why)
                continue
            }
            let engineer = try Bool.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM tokens WHERE role = 'engineer' AND substr(?1, 1, length(name) + 1) = lower(name) || '-')
                            OR EXISTS (SELECT 1 FROM depot_members WHERE substr(?1, 1, length(engineer) + 1) = lower(engineer) || '-')
                        """), arguments: [claim.replica]) ?? false
            // Valid: refusal(by:relayed:) checked the id.
            guard let replica = ReplicaID(claim.replica) else { continue }
            let owner = try ReplicaProgress.get(replica, db)?.owner
            let holdsOps = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM ops WHERE replica = ?)"), arguments: [claim.replica]) ?? false
            if let why = claim.refusal(namedAfterEngineer: engineer, owner: owner, holdsOps: holdsOps) {
                refused.append(why)
            } else if owner == nil {
                try ReplicaProgress.advance(replica, to: 0, owner: claim.depot, db)
            }
        }
        return refused
    }

    /// The replicas owned by any of `depots`.
    static func owned(by depots: [String], _ db: Database) throws -> [RelayedReplica] {
        guard !depots.isEmpty else { return [] }
        return try Row.fetchAll(
            db,
            sql: "SELECT replica, owner FROM replica_progress WHERE owner IN (\(databaseQuestionMarks(count: depots.count))) ORDER BY replica",
            arguments: StatementArguments(depots)
        ).map { RelayedReplica(replica: $0[0], depot: $0[1]) }
    }

    /// The replicas here owned by a depot this one relays (their token adopted from the
    /// upstream): what it claims for them there.
    static func subDepotReplicas(_ db: Database) throws -> [RelayedReplica] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT replica, owner FROM replica_progress
                WHERE owner IN (SELECT name FROM tokens WHERE role = 'depot' AND upstream IS NOT NULL AND revoked_wall IS NULL) ORDER BY replica
                """
        ).map { RelayedReplica(replica: $0[0], depot: $0[1]) }
    }

    /// The rows adopted from upstream, as text to compare.
    private static func adopted(_ db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT 'r ' || parent || ' ' || child || ' ' || added_wall || ' ' || IFNULL(removed_wall, '-') FROM depot_relays WHERE upstream IS NOT NULL
                UNION ALL
                SELECT 'm ' || depot || ' ' || engineer || ' ' || added_wall || ' ' || IFNULL(removed_wall, '-') FROM depot_members WHERE upstream IS NOT NULL
                ORDER BY 1
                """)
    }
}

extension ReplicaStore {
    /// Lets `parent` relay `child` (or not, `relayed: false`); false when nothing changed.
    /// Refuses what would not make a tree (``DepotTree/checkRelay(parent:child:)``).
    public func setDepotRelay(parent: String, child: String, relayed: Bool, now: UInt64) throws(StoreError) -> Bool {
        try DepotMember.checkNames(depot: parent, engineer: child)
        return try write { db in try DepotRelays.set(parent: parent, child: child, relayed: relayed, now: now, db) }
    }

    /// The relays `depot` reaches and the engineers of the depots they reach.
    public func depotTree(of depot: String) throws(StoreError) -> DepotTree {
        try read { db in try DepotMembers.tree(of: depot, db) }
    }

    /// Records the claims `depot` makes for the depots it relays (``RelayedReplica``); why
    /// any was refused. This node's own replica is never claimed: it is owned from the
    /// store's creation.
    public func claimRelayedReplicas(_ claims: [RelayedReplica], by depot: String) throws(StoreError) -> [RelayedReplica.Refusal] {
        try write { db in try DepotRelays.claim(claims, by: depot, db) }
    }

    /// The replicas owned by any of `depots`.
    public func replicas(ownedBy depots: [String]) throws(StoreError) -> [RelayedReplica] {
        try read { db in try DepotRelays.owned(by: depots, db) }
    }

    /// The replicas here owned by depots this one relays, to claim for them upstream.
    public func subDepotReplicas() throws(StoreError) -> [RelayedReplica] {
        try read { db in try DepotRelays.subDepotReplicas(db) }
    }

    /// Takes in the part of the tree below this depot that `upstream` sent (``DepotTree/below(_:)``):
    /// the depots it relays and their engineers, so they sync here as at central. Returns
    /// whether anything changed.
    @discardableResult
    public func adoptUpstreamTree(_ tree: DepotTree, from upstream: String) throws(StoreError) -> Bool {
        try write { db in try DepotRelays.adopt(tree, from: upstream, db) }
    }
}
