import FieldModel
import GRDB

/// Which engineers each depot serves (M8), as `fieldsync-node depot add-engineer` records
/// them at central. A depot relays its engineers' devices' ops: it may push a replica owned
/// by an engineer who is, or was, one of its members, so nothing pushed at a depot an
/// engineer has left is refused on its way up. A removal is kept (`removed_wall`), not
/// deleted: it ends what the depot serves, not the history it holds.
enum DepotMembers {
    /// Tokens a depot adopted from its upstream say which (M8, v17).
    static func markAdoptedTokens(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE tokens ADD COLUMN upstream TEXT")
    }

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE depot_members (
                    depot TEXT NOT NULL,
                    engineer TEXT NOT NULL,
                    added_wall INTEGER NOT NULL,
                    removed_wall INTEGER,
                    PRIMARY KEY (depot, engineer)
                ) WITHOUT ROWID;
                """)
    }

    /// Adds (`member`) or removes `engineer` at `depot`; false when nothing changed.
    static func set(depot: String, engineer: String, member: Bool, now: UInt64, _ db: Database) throws -> Bool {
        if member {
            try DepotMember.checkRoles(depot: depot, depotRoles: roles(of: depot, db), engineer: engineer, engineerRoles: roles(of: engineer, db))
            try db.execute(
                sql: """
                    INSERT INTO depot_members (depot, engineer, added_wall, removed_wall) VALUES (?, ?, ?, NULL)
                    ON CONFLICT (depot, engineer) DO UPDATE SET removed_wall = NULL
                    WHERE removed_wall IS NOT NULL
                    """, arguments: [depot, engineer, Int64(clamping: now)])
        } else {
            try db.execute(
                sql: "UPDATE depot_members SET removed_wall = ? WHERE depot = ? AND engineer = ? AND removed_wall IS NULL",
                arguments: [Int64(clamping: now), depot, engineer])
        }
        return db.changesCount > 0
    }

    /// The roles of the tokens named `name`.
    static func roles(of name: String, _ db: Database) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT role FROM tokens WHERE name = ?"), arguments: [name])
    }

    /// The tokens `depot` adopts: its current engineers' (its sub-depots' included) and the
    /// tokens of the depots it relays now, so they sync with it as with central (revoked ones
    /// too, as revoked).
    static func tokens(of depot: String, _ db: Database) throws -> [TokenHash] {
        let tree = try tree(of: depot, db)
        let engineers = tree.served(by: depot).current
        let depots = tree.relayed(by: depot)
        guard !engineers.isEmpty || !depots.isEmpty else { return [] }
        return try Row.fetchAll(
            db,
            sql: """
                SELECT id, sha256, name, role, created_wall, revoked_wall FROM tokens
                WHERE (role = 'engineer' AND name IN (\(databaseQuestionMarks(count: engineers.count))))
                   OR (role = 'depot' AND name IN (\(databaseQuestionMarks(count: depots.count))))
                ORDER BY created_wall, id
                """, arguments: StatementArguments(engineers + depots)
        ).map {
            TokenHash(
                record: TokenRecord(
                    id: $0[0], name: $0[2], role: Principal.Role(rawValue: $0[3]) ?? .engineer, createdAt: UInt64(clamping: $0[4] as Int64),
                    revokedAt: ($0[5] as Int64?).map { UInt64(clamping: $0) }),
                sha256: $0[1])
        }
    }

    /// SQL: whether two upstream keys are the same source of adopted rows: the network (any
    /// URL: a depot has one upstream at a time) or bundles (`bundle:PEER`).
    static func sameSource(_ a: String, _ b: String) -> String {
        "((\(a) LIKE '\(ReplicaStore.bundleUpstreamPrefix)%') = (\(b) LIKE '\(ReplicaStore.bundleUpstreamPrefix)%'))"
    }

    /// The live tokens of role depot.
    static func depotTokens(_ db: Database) throws -> [TokenHash] {
        try Row.fetchAll(
            db, sql: "SELECT id, sha256, name, created_wall FROM tokens WHERE role = 'depot' AND revoked_wall IS NULL ORDER BY created_wall, id"
        ).map {
            TokenHash(record: TokenRecord(id: $0[0], name: $0[2], role: .depot, createdAt: UInt64(clamping: $0[3] as Int64), revokedAt: nil), sha256: $0[1])
        }
    }

    /// The engineers `depot` serves or served, oldest first, through the depots it relays too.
    static func members(of depot: String, _ db: Database) throws -> [DepotMember] {
        try tree(of: depot, db).served(by: depot)
    }

    /// The relays `depot` reaches and the engineers of each depot they reach (``DepotTree``).
    static func tree(of depot: String, _ db: Database) throws -> DepotTree {
        var tree = DepotTree(relays: try DepotRelays.all(db))
        for reached in tree.reach(from: depot).keys.sorted() {
            tree.members += try Row.fetchAll(
                db.cachedStatement(sql: "SELECT engineer, added_wall, removed_wall FROM depot_members WHERE depot = ? ORDER BY added_wall, engineer"),
                arguments: [reached]
            ).map {
                DepotMembership(
                    depot: reached,
                    member: DepotMember(engineer: $0[0], addedAt: UInt64(clamping: $0[1] as Int64), removedAt: ($0[2] as Int64?).map { UInt64(clamping: $0) }))
            }
        }
        return tree
    }
}

extension ReplicaStore {
    /// What the upstream key of a site fed by bundles begins with (`bundle:PEER`): its
    /// adopted rows are a source of their own, apart from the network upstream's.
    public static let bundleUpstreamPrefix = "bundle:"

    /// Adds or removes an engineer at a depot (``DepotMembers``); false when nothing changed.
    public func setDepotMember(depot: String, engineer: String, member: Bool, now: UInt64) throws(StoreError) -> Bool {
        try DepotMember.checkNames(depot: depot, engineer: engineer)
        return try write { db in try DepotMembers.set(depot: depot, engineer: engineer, member: member, now: now, db) }
    }

    /// The engineers `depot` serves or served.
    public func depotMembers(of depot: String) throws(StoreError) -> [DepotMember] {
        try read { db in try DepotMembers.members(of: depot, db) }
    }

    /// The tokens of the engineers `depot` serves now (``DepotStore/memberTokens(of:)``).
    public func depotTokens() throws(StoreError) -> [TokenHash] {
        try read { db in try DepotMembers.depotTokens(db) }
    }

    public func memberTokens(of depot: String) throws(StoreError) -> [TokenHash] {
        try read { db in try DepotMembers.tokens(of: depot, db) }
    }

    /// Takes in the tokens `upstream` sent for this depot's engineers and the depots it
    /// relays: new ones work here from now, a revocation there is one here, and a token it
    /// no longer sends (the engineer left the depot) is revoked here. Only engineers' and
    /// depots' tokens with well-formed hashes are taken (``TokenHash/isAdoptable``), none
    /// named as a principal of another role here; a token made here is never changed, and no revocation is undone.
    /// Returns how many tokens changed.
    @discardableResult
    public func adoptUpstreamTokens(_ hashes: [TokenHash], from upstream: String, now: UInt64) throws(StoreError) -> Int {
        try write { db in
            var changed = 0
            let sent = hashes.filter(\.isAdoptable)
            for h in sent {
                // A name a principal of another role holds here (a warehouse `w1`) is not
                // taken: ownership goes by name, and it would act as that principal.
                let clash = try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM tokens WHERE name = ? AND role != ?)", arguments: [h.record.name, h.record.role.rawValue]) ?? false
                if clash { continue }
                // A revocation is only ever added: one made here (a stolen token) stays, whatever
                // the upstream sends.
                try db.execute(
                    sql: """
                        INSERT INTO tokens (id, sha256, name, role, created_wall, revoked_wall, upstream) VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET revoked_wall = COALESCE(tokens.revoked_wall, excluded.revoked_wall),
                            upstream = CASE WHEN \(DepotMembers.sameSource("tokens.upstream", "excluded.upstream")) THEN excluded.upstream ELSE tokens.upstream END
                        WHERE tokens.upstream IS NOT NULL AND ((tokens.revoked_wall IS NULL AND excluded.revoked_wall IS NOT NULL)
                          OR (\(DepotMembers.sameSource("tokens.upstream", "excluded.upstream")) AND tokens.upstream != excluded.upstream))
                        """,
                    arguments: [
                        h.record.id, h.sha256, h.record.name, h.record.role.rawValue, Int64(clamping: h.record.createdAt), h.record.revokedAt.map { Int64(clamping: $0) },
                        upstream,
                    ])
                changed += db.changesCount
            }
            let ids = Set(sent.map(\.record.id))
            // A depot has one upstream over the network: what an earlier one sent (the depot
            // moved) and this one does not send is revoked too. Bundles are a source of their own.
            for id in try String.fetchAll(
                db, sql: "SELECT id FROM tokens WHERE upstream IS NOT NULL AND revoked_wall IS NULL AND \(DepotMembers.sameSource("upstream", "?"))",
                arguments: [upstream])
            where !ids.contains(id) {
                try db.execute(sql: "UPDATE tokens SET revoked_wall = ? WHERE id = ?", arguments: [Int64(clamping: now), id])
                changed += 1
            }
            return changed
        }
    }
}
