import FieldModel
import Foundation
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
        m.registerMigration("v2-sync") { db in
            try db.execute(
                sql: """
                    -- Who may see a ticket: every engineer ever assigned to it, from the op-log
                    -- position (seq) where they first were. Scope is a function of this table.
                    CREATE TABLE ticket_scope (
                        engineer TEXT NOT NULL,
                        ticket TEXT NOT NULL,
                        since_seq INTEGER NOT NULL,
                        PRIMARY KEY (engineer, ticket)
                    ) WITHOUT ROWID;
                    CREATE INDEX ticket_scope_by_since ON ticket_scope (engineer, since_seq);
                    -- What this store holds of each replica: every op up to acked (contiguous),
                    -- and which principal pushes for it.
                    CREATE TABLE replica_progress (
                        replica TEXT PRIMARY KEY NOT NULL,
                        acked INTEGER NOT NULL,
                        owner TEXT NOT NULL
                    ) WITHOUT ROWID;
                    -- Bearer tokens: only their SHA-256 is kept.
                    CREATE TABLE tokens (
                        id TEXT PRIMARY KEY NOT NULL,
                        sha256 TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        created_wall INTEGER NOT NULL,
                        revoked_wall INTEGER
                    ) WITHOUT ROWID;
                    -- Ops refused for scope, kept for a dispatcher to see: never silently dropped.
                    CREATE TABLE quarantine (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        received_wall INTEGER NOT NULL,
                        principal TEXT NOT NULL,
                        replica TEXT NOT NULL,
                        counter INTEGER NOT NULL,
                        wall INTEGER NOT NULL,
                        logical INTEGER NOT NULL,
                        subject TEXT NOT NULL,
                        kind INTEGER NOT NULL,
                        payload BLOB NOT NULL,
                        reason TEXT NOT NULL,
                        UNIQUE (replica, counter)
                    );
                    -- The clock offset measured at each device's last sync (node minus device).
                    CREATE TABLE device_clocks (
                        replica TEXT PRIMARY KEY NOT NULL,
                        principal TEXT NOT NULL,
                        offset_ms INTEGER NOT NULL,
                        measured_wall INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("v3-blobs") { db in
            try db.execute(
                sql: """
                    -- Which tickets refer to which blob (attachments): blob scope follows ticket scope.
                    CREATE TABLE ticket_blobs (
                        sha256 TEXT NOT NULL,
                        ticket TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        PRIMARY KEY (sha256, ticket)
                    ) WITHOUT ROWID;
                    -- On a device: blobs the node has confirmed it holds whole.
                    CREATE TABLE blob_uploads (
                        sha256 TEXT PRIMARY KEY NOT NULL,
                        confirmed_wall INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("v4-blob-possession") { db in
            try db.execute(
                sql: """
                    -- Which replica's op attached each blob to each ticket (several may): a
                    -- reference grants download only once its attacher proved it holds the bytes.
                    CREATE TABLE blob_attachers (
                        sha256 TEXT NOT NULL,
                        ticket TEXT NOT NULL,
                        replica TEXT NOT NULL,
                        PRIMARY KEY (sha256, ticket, replica)
                    ) WITHOUT ROWID;
                    -- References from before proofs existed count as proven (their blobs were
                    -- uploaded under the old rule; nothing tells who held them).
                    ALTER TABLE ticket_blobs ADD COLUMN proven_before INTEGER NOT NULL DEFAULT 0;
                    UPDATE ticket_blobs SET proven_before = 1;
                    -- Principals that proved they hold a blob: by a verified upload or a challenge.
                    CREATE TABLE blob_possession (
                        sha256 TEXT NOT NULL,
                        principal TEXT NOT NULL,
                        proven_wall INTEGER NOT NULL,
                        PRIMARY KEY (sha256, principal)
                    ) WITHOUT ROWID;
                    -- The open challenge of each (blob, principal): the nonce's SHA-256 only,
                    -- single use, until expires_wall (Unix ms).
                    CREATE TABLE blob_challenges (
                        sha256 TEXT NOT NULL,
                        principal TEXT NOT NULL,
                        nonce_sha256 TEXT NOT NULL,
                        expires_wall INTEGER NOT NULL,
                        PRIMARY KEY (sha256, principal)
                    ) WITHOUT ROWID;
                    -- Unfinished uploads and the principal that sent bytes last: the per-principal cap.
                    CREATE TABLE blob_partials (
                        sha256 TEXT PRIMARY KEY NOT NULL,
                        principal TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX blob_partials_by_principal ON blob_partials (principal);
                    """)
        }
        m.registerMigration("v5-op-checksums") { db in
            // Each op's checksum (FieldModel `OpChecksum`, SPEC §10), set when the op is made
            // or first received and verified whenever it is read. Rows stored before this
            // get theirs from their content, which is all there is to go by: damage done
            // before now stays undetectable, damage from now on is found. NULL only in rows
            // an older version writes after this; `check` reports them.
            try db.execute(sql: "ALTER TABLE ops ADD COLUMN checksum INTEGER")
            // Computed first, written after: SQLite leaves a table changed under a reading
            // cursor undefined. Two integers an op in memory, even for a node's millions.
            var computed: [(seq: Int64, checksum: Int64)] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, replica, counter, wall, logical, subject, kind, payload FROM ops")
            while let row = try rows.next() {
                let payload: Data = row[7]
                let checksum = OpChecksum(
                    replica: row[1], counter: UInt64(bitPattern: row[2]), wallMillis: UInt64(bitPattern: row[3]),
                    logical: UInt32(truncatingIfNeeded: row[4] as Int64), subject: row[5], kind: UInt64(bitPattern: row[6]),
                    payload: payload)
                computed.append((row[0], Int64(checksum.rawValue)))
            }
            let update = try db.makeStatement(sql: "UPDATE ops SET checksum = ? WHERE seq = ?")
            for c in computed { try update.execute(arguments: [c.checksum, c.seq]) }
        }
        m.registerMigration("v6-lineage") { db in
            try db.execute(
                sql: """
                    -- Replica ids this store recorded under before its file was copied (restored
                    -- from a backup): it still pushes their unacknowledged ops, and never records
                    -- under them again (SPEC §9.3). acked: what the node holds of each.
                    CREATE TABLE own_replicas (
                        replica TEXT PRIMARY KEY NOT NULL,
                        acked INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    -- On a device: the node's voucher for an op it served (SPEC §3.10), and the
                    -- principal the node said owns the op's replica, to give the op back to a
                    -- node restored from a backup that lost it.
                    ALTER TABLE ops ADD COLUMN voucher_owner TEXT;
                    ALTER TABLE ops ADD COLUMN voucher BLOB;
                    """)
        }
        m.registerMigration("v7-articles") { db in
            // Knowledge-base articles and their search index (M6); tokenizer registered by
            // `ReplicaStore.connect` on every connection.
            try ArticleRows.create(db)
        }
        m.registerMigration("v8-entity-scope") { db in
            // Which articles (and later kinds) each principal sees, and the ticket facts that decide it.
            try EntityScope.create(db)
        }
        m.registerMigration("v9-article-images") { db in
            // Which articles show which images: a device in an article's scope may fetch them.
            try db.execute(
                sql: """
                    CREATE TABLE article_images (sha256 TEXT NOT NULL, article TEXT NOT NULL, PRIMARY KEY (sha256, article)) WITHOUT ROWID;
                    -- An article's device models (m), fault codes (c) and keywords (k), folded: which
                    -- articles may fit a ticket is found here, not by reading every article.
                    CREATE TABLE article_terms (kind TEXT NOT NULL, term TEXT NOT NULL, article TEXT NOT NULL, PRIMARY KEY (kind, term, article)) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("v10-lookups-by-ticket") { db in
            // Every ingest reads a changed ticket's engineers (EntityScope) and its quarantined
            // ops (releaseQuarantine) by ticket: without these, each read scanned the table,
            // once per ticket per push.
            try db.execute(
                sql: """
                    CREATE INDEX ticket_scope_by_ticket ON ticket_scope (ticket);
                    CREATE INDEX quarantine_by_subject ON quarantine (subject);
                    """)
        }
        m.registerMigration("v11-blob-references") { db in
            // One row per attachment reference (blob, ticket, attaching replica), where two
            // tables each took a row: every photo a push brings is a new key at a random
            // place (its SHA-256), a page written per table. A reference from before
            // attachers were recorded keeps an empty replica; `proven_before` stays with
            // every row of its (blob, ticket), as it was per (blob, ticket).
            try db.execute(
                sql: """
                    CREATE TABLE blob_refs (
                        sha256 TEXT NOT NULL,
                        ticket TEXT NOT NULL,
                        replica TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        proven_before INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (sha256, ticket, replica)
                    ) WITHOUT ROWID;
                    INSERT INTO blob_refs (sha256, ticket, replica, size, proven_before)
                        SELECT tb.sha256, tb.ticket, coalesce(a.replica, ''), tb.size, tb.proven_before
                        FROM ticket_blobs tb LEFT JOIN blob_attachers a ON a.sha256 = tb.sha256 AND a.ticket = tb.ticket;
                    DROP TABLE ticket_blobs;
                    DROP TABLE blob_attachers;
                    """)
        }
        m.registerMigration("v12-ticket-facts-in-tickets") { db in
            try EntityScope.moveFactsIntoTickets(db)
        }
        m.registerMigration("v13-stock-ledger") { db in
            // The stock ledger's postings (M7); derived from what the store holds by v14.
            try StockRows.create(db)
        }
        m.registerMigration("v14-stock-totals") { db in
            // Each (location, part)'s line kept, so a reconcile reads a row per key (M7).
            try StockTotals.create(db)
        }
        m.registerMigration("v15-depot-members") { db in
            // Which engineers each depot serves (M8).
            try DepotMembers.create(db)
        }
        m.registerMigration("v16-upstream-state") { db in
            // A depot's sync state with its upstream, per upstream (M8).
            try UpstreamRows.create(db)
        }
        m.registerMigration("v17-adopted-tokens") { db in
            // Engineers' tokens a depot took in from central, by upstream (M8).
            try DepotMembers.markAdoptedTokens(db)
        }
        m.registerMigration("v18-upstream-vouched") { db in
            // Engineers' proofs of possession a depot vouched for at its upstream (M8).
            try UpstreamBlobRows.create(db)
        }
        m.registerMigration("v19-upstream-members") { db in
            // The depot's engineers as central last listed them (M8): a new one restarts the pull.
            try db.execute(sql: "ALTER TABLE upstream_state ADD COLUMN members TEXT")
        }
        m.registerMigration("v20-bundle-answers") { db in
            // When the newest bundle answer a site took in was written (M8): no older one after it.
            try db.execute(sql: "ALTER TABLE upstream_state ADD COLUMN bundle_answered INTEGER")
        }
        m.registerMigration("v21-relayed-through") { db in
            // What each depot relayed here (M8): its pulls leave those ops out.
            try db.execute(
                sql: "CREATE TABLE relayed_through (depot TEXT NOT NULL, replica TEXT NOT NULL, counter INTEGER NOT NULL, PRIMARY KEY (depot, replica)) WITHOUT ROWID")
        }
        m.registerMigration("v22-depot-relays") { db in
            // Depots relaying depots (M8 trees), and what a depot adopted of them from upstream.
            try DepotRelays.create(db)
        }
        return m
    }
}
