import GRDB

/// The replica's tables. Ops are the truth; `tickets` holds what the model derives from
/// them for the queries the CLI and the node make. Nothing is merged in SQL.
enum ReplicaSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
                    -- The op log: append-only. seq orders what this replica stored, for sync cursors.
                    CREATE TABLE ops (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        replica TEXT NOT NULL,
                        counter INTEGER NOT NULL,
                        wall INTEGER NOT NULL,
                        logical INTEGER NOT NULL,
                        subject TEXT NOT NULL,
                        kind INTEGER NOT NULL,
                        payload BLOB NOT NULL,
                        UNIQUE (replica, counter)
                    );
                    CREATE INDEX ops_by_subject ON ops (subject, seq);
                    -- Materialised ticket state, rewritten from the model after each change.
                    CREATE TABLE tickets (
                        id TEXT PRIMARY KEY NOT NULL,
                        status TEXT NOT NULL,
                        assignee TEXT NOT NULL,
                        customer TEXT NOT NULL,
                        site TEXT NOT NULL,
                        device_model TEXT NOT NULL,
                        priority TEXT NOT NULL,
                        conflicts INTEGER NOT NULL,
                        updated_wall INTEGER NOT NULL,
                        digest TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX tickets_by_status ON tickets (status);
                    CREATE INDEX tickets_by_assignee ON tickets (assignee);
                    CREATE INDEX tickets_with_conflicts ON tickets (conflicts) WHERE conflicts > 0;
                    """)
        }
        return m
    }
}
