import FieldStore
import PostgresNIO

extension PostgresNodeStore: DepotStore {
    public func setDepotMember(depot: String, engineer: String, member: Bool, now: UInt64) async throws(StoreError) -> Bool {
        try DepotMember.checkNames(depot: depot, engineer: engineer)
        let now = Int64(clamping: now)
        return try await guarded("recording a depot's engineers") {
            let changed: PostgresRowSequence
            if member {
                try DepotMember.checkRoles(
                    depot: depot, depotRoles: try await tokenRoles(of: depot), engineer: engineer, engineerRoles: try await tokenRoles(of: engineer))
                changed = try await client.query(
                    """
                    INSERT INTO depot_members (depot, engineer, added_wall, removed_wall) VALUES (\(depot), \(engineer), \(now), NULL)
                    ON CONFLICT (depot, engineer) DO UPDATE SET removed_wall = NULL
                    WHERE depot_members.removed_wall IS NOT NULL
                    RETURNING engineer
                    """, logger: logger)
            } else {
                changed = try await client.query(
                    """
                    UPDATE depot_members SET removed_wall = \(now)
                    WHERE depot = \(depot) AND engineer = \(engineer) AND removed_wall IS NULL RETURNING engineer
                    """, logger: logger)
            }
            return try await !changed.all().isEmpty
        }
    }

    public func memberTokens(of depot: String) async throws(StoreError) -> [TokenHash] {
        let rows = try await guarded("reading a depot's engineers' tokens") {
            try await client.withConnection { connection in
                let tree = try await DepotRows(connection: connection, logger: logger).tree(of: depot)
                let (engineers, depots) = (tree.served(by: depot).current, tree.relayed(by: depot))
                return try await connection.checkedQuery(
                    """
                    SELECT id, sha256, name, role, created_wall, revoked_wall FROM tokens
                    WHERE (role = 'engineer' AND name = ANY(\(engineers))) OR (role = 'depot' AND name = ANY(\(depots)))
                    ORDER BY created_wall, id
                    """, logger: logger
                ).decode((String, String, String, String, Int64, Int64?).self).all()
            }
        }
        return rows.map { id, sha, name, role, created, revoked in
            TokenHash(
                record: TokenRecord(
                    id: id, name: name, role: Principal.Role(rawValue: role) ?? .engineer, createdAt: UInt64(clamping: created),
                    revokedAt: revoked.map { UInt64(clamping: $0) }),
                sha256: sha)
        }
    }

    /// The roles of the tokens named `name`.
    private func tokenRoles(of name: String) async throws -> [String] {
        try await client.query("SELECT DISTINCT role FROM tokens WHERE name = \(name)", logger: logger).decode(String.self).all()
    }

    public func setDepotRelay(parent: String, child: String, relayed: Bool, now: UInt64) async throws(StoreError) -> Bool {
        try DepotMember.checkNames(depot: parent, engineer: child)
        let now = Int64(clamping: now)
        return try await guarded("recording which depots relay which") {
            try await client.checkedTransaction(logger: logger) { connection in
                // One at a time: two relays judged at once against the same tree could make a loop.
                try await connection.checkedQuery("LOCK TABLE depot_relays IN EXCLUSIVE MODE", logger: logger)
                let changed: PostgresRowSequence
                if relayed {
                    for name in [parent, child] { try DepotTree.checkIsDepot(name, roles: try await tokenRoles(of: name)) }
                    try DepotTree(relays: try await DepotRows(connection: connection, logger: logger).relays()).checkRelay(parent: parent, child: child)
                    changed = try await connection.checkedQuery(
                        """
                        INSERT INTO depot_relays (parent, child, added_wall, removed_wall) VALUES (\(parent), \(child), \(now), NULL)
                        ON CONFLICT (parent, child) DO UPDATE SET removed_wall = NULL
                        WHERE depot_relays.removed_wall IS NOT NULL
                        RETURNING child
                        """, logger: logger)
                } else {
                    changed = try await connection.checkedQuery(
                        """
                        UPDATE depot_relays SET removed_wall = \(now)
                        WHERE parent = \(parent) AND child = \(child) AND removed_wall IS NULL RETURNING child
                        """, logger: logger)
                }
                return try await !changed.all().isEmpty
            }
        }
    }

    public func replicas(ownedBy depots: [String]) async throws(StoreError) -> [RelayedReplica] {
        guard !depots.isEmpty else { return [] }
        let rows = try await guarded("reading the depots' own replicas") {
            try await client.query("SELECT replica, owner FROM replica_progress WHERE owner = ANY(\(depots)) ORDER BY replica", logger: logger)
                .decode((String, String).self).all()
        }
        return rows.map { RelayedReplica(replica: $0.0, depot: $0.1) }
    }

    public func claimRelayedReplicas(_ claims: [RelayedReplica], by depot: String) async throws(StoreError) -> [RelayedReplica.Refusal] {
        try await guarded("recording the replicas of the depots a depot relays") {
            try await client.checkedTransaction(logger: logger) { connection in
                let relayed = try await DepotRows(connection: connection, logger: logger).tree(of: depot).relayed(by: depot)
                var refused: [RelayedReplica.Refusal] = []
                for claim in claims {
                    // Checked before any query: an id with a NUL byte never reaches PostgreSQL.
                    if let why = claim.refusal(by: depot, relayed: relayed) {
                        refused.append(why)
                        continue
                    }
                    let engineer = try await connection.checkedQuery(
                        """
                        SELECT 1 FROM tokens WHERE role = 'engineer' AND substr(\(claim.replica), 1, length(name) + 1) = lower(name) || '-'
                        UNION ALL SELECT 1 FROM depot_members WHERE substr(\(claim.replica), 1, length(engineer) + 1) = lower(engineer) || '-' LIMIT 1
                        """, logger: logger
                    ).decode(Int.self).all()
                    let owner = try await connection.checkedQuery(
                        "SELECT owner FROM replica_progress WHERE replica = \(claim.replica) FOR UPDATE", logger: logger
                    ).decode(String.self).all().first
                    let ops = try await connection.checkedQuery("SELECT 1 FROM ops WHERE replica = \(claim.replica) LIMIT 1", logger: logger)
                        .decode(Int.self).all()
                    if let why = claim.refusal(namedAfterEngineer: !engineer.isEmpty, owner: owner, holdsOps: !ops.isEmpty) {
                        refused.append(why)
                    } else if owner == nil {
                        let inserted = try await connection.checkedQuery(
                            "INSERT INTO replica_progress (replica, acked, owner) VALUES (\(claim.replica), 0, \(claim.depot)) ON CONFLICT DO NOTHING RETURNING replica",
                            logger: logger
                        ).decode(String.self).all()
                        if inserted.isEmpty {
                            refused.append(.init(replica: claim.replica, why: "replica \(claim.replica) was first pushed meanwhile: claim it again"))
                        }
                    }
                }
                return refused
            }
        }
    }

    public func depotTree(of depot: String) async throws(StoreError) -> DepotTree {
        try await guarded("reading the depots' relays") {
            try await client.withConnection { connection in try await DepotRows(connection: connection, logger: logger).tree(of: depot) }
        }
    }

    public func depotTokens() async throws(StoreError) -> [TokenHash] {
        let rows = try await guarded("reading the depots' tokens") {
            try await client.query(
                "SELECT id, sha256, name, created_wall FROM tokens WHERE role = 'depot' AND revoked_wall IS NULL ORDER BY created_wall, id",
                logger: logger
            ).decode((String, String, String, Int64).self).all()
        }
        return rows.map { id, sha, name, created in
            TokenHash(record: TokenRecord(id: id, name: name, role: .depot, createdAt: UInt64(clamping: created), revokedAt: nil), sha256: sha)
        }
    }

    public func depotMembers(of depot: String) async throws(StoreError) -> [DepotMember] {
        try await guarded("reading a depot's engineers") {
            try await client.withConnection { connection in
                try await DepotRows(connection: connection, logger: logger).members(of: depot)
            }
        }
    }
}

/// `depot_members` read on a connection (inside a push's transaction, too).
struct DepotRows {
    let connection: PostgresConnection
    let logger: Logger

    /// The engineers `depot` serves or served, through the depots it relays too.
    func members(of depot: String) async throws -> [DepotMember] {
        try await tree(of: depot).served(by: depot)
    }

    /// The names whose scope `depot` sees: its own, the depots it relays now, and their
    /// current engineers (as SQLite's `Scope.depotNames`).
    func scopeNames(of depot: String) async throws -> [String] {
        [depot] + (try await tree(of: depot).seen(by: depot))
    }

    /// Every relay recorded.
    func relays() async throws -> [DepotRelay] {
        try await connection.checkedQuery(
            "SELECT parent, child, added_wall, removed_wall FROM depot_relays ORDER BY parent, child", logger: logger
        ).decode((String, String, Int64, Int64?).self).all().map {
            DepotRelay(parent: $0.0, child: $0.1, addedAt: UInt64(clamping: $0.2), removedAt: $0.3.map { UInt64(clamping: $0) })
        }
    }

    /// The relays `depot` reaches and the engineers of each depot they reach.
    func tree(of depot: String) async throws -> DepotTree {
        var tree = DepotTree(relays: try await relays())
        let reached = tree.reach(from: depot).keys.sorted()
        tree.members = try await connection.checkedQuery(
            "SELECT depot, engineer, added_wall, removed_wall FROM depot_members WHERE depot = ANY(\(reached)) ORDER BY added_wall, engineer",
            logger: logger
        ).decode((String, String, Int64, Int64?).self).all().map {
            DepotMembership(depot: $0.0, member: DepotMember(engineer: $0.1, addedAt: UInt64(clamping: $0.2), removedAt: $0.3.map { UInt64(clamping: $0) }))
        }
        return tree
    }
}
