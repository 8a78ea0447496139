import FieldModel
import GRDB

/// Which engineers each depot serves (M8), as `fieldsync-node depot add-engineer` records
/// them at central. A depot relays its engineers' devices' ops: it may push a replica owned
/// by an engineer who is, or was, one of its members, so nothing pushed at a depot an
/// engineer has left is refused on its way up. A removal is kept (`removed_wall`), not
/// deleted: it ends what the depot serves, not the history it holds.
enum DepotMembers {
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
            try db.execute(
                sql: """
                    INSERT INTO depot_members (depot, engineer, added_wall, removed_wall) VALUES (?, ?, ?, NULL)
                    ON CONFLICT (depot, engineer) DO UPDATE SET added_wall = excluded.added_wall, removed_wall = NULL
                    WHERE removed_wall IS NOT NULL
                    """, arguments: [depot, engineer, Int64(clamping: now)])
        } else {
            try db.execute(
                sql: "UPDATE depot_members SET removed_wall = ? WHERE depot = ? AND engineer = ? AND removed_wall IS NULL",
                arguments: [Int64(clamping: now), depot, engineer])
        }
        return db.changesCount > 0
    }

    /// The engineers `depot` serves or served, oldest first.
    static func members(of depot: String, _ db: Database) throws -> [DepotMember] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT engineer, added_wall, removed_wall FROM depot_members WHERE depot = ? ORDER BY added_wall, engineer"),
            arguments: [depot]
        ).map { DepotMember(engineer: $0[0], addedAt: UInt64(clamping: $0[1] as Int64), removedAt: ($0[2] as Int64?).map { UInt64(clamping: $0) }) }
    }
}

extension ReplicaStore {
    /// Adds or removes an engineer at a depot (``DepotMembers``); false when nothing changed.
    public func setDepotMember(depot: String, engineer: String, member: Bool, now: UInt64) throws(StoreError) -> Bool {
        try DepotMember.checkNames(depot: depot, engineer: engineer)
        return try write { db in try DepotMembers.set(depot: depot, engineer: engineer, member: member, now: now, db) }
    }

    /// The engineers `depot` serves or served.
    public func depotMembers(of depot: String) throws(StoreError) -> [DepotMember] {
        try read { db in try DepotMembers.members(of: depot, db) }
    }
}
