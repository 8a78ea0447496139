import Logging
import PostgresNIO

/// The central's tables in PostgreSQL, made and upgraded by numbered migrations when a node
/// starts.
///
/// Safe when several nodes start at once: each runs its migrations in one transaction that
/// first takes a transaction-level advisory lock, so the second node waits for the first,
/// then finds the versions applied and applies nothing. A database whose schema is newer
/// than this node's is refused, not written to.
public enum CentralSchema {
    /// An advisory lock key of ours ("FSYNCMIG" as bytes): no other application's.
    static let lockKey: Int64 = 0x4653_594E_434D_4947

    struct Migration {
        let version: Int
        let name: String
        let sql: [String]
        /// Rows derived in Swift (by the model) from what earlier versions stored.
        var derive: (@Sendable (PostgresConnection, Logger) async throws -> Void)? = nil
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "op log",
            sql: [
                // `xid`: the writing transaction (pg_current_xact_id()). A reader sees only
                // rows of transactions older than every one still running (PostgresNodeStore.pull), so
                // a row that commits late is never skipped by a cursor already past it.
                """
                CREATE TABLE ops (
                    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
                    replica text NOT NULL,
                    counter bigint NOT NULL,
                    wall bigint NOT NULL,
                    logical bigint NOT NULL,
                    subject text NOT NULL,
                    kind bigint NOT NULL,
                    payload bytea NOT NULL,
                    checksum bigint NOT NULL,
                    UNIQUE (replica, counter)
                )
                """,
                "CREATE INDEX ops_by_xid ON ops (xid, seq)",
                "CREATE INDEX ops_by_subject ON ops (subject, seq)",
            ]),
        Migration(
            version: 2, name: "tokens",
            sql: [
                // Bearer tokens: only their SHA-256 is kept (NewToken).
                """
                CREATE TABLE tokens (
                    id text PRIMARY KEY,
                    sha256 text NOT NULL UNIQUE,
                    name text NOT NULL,
                    role text NOT NULL,
                    created_wall bigint NOT NULL,
                    revoked_wall bigint
                )
                """
            ]),
        Migration(
            version: 3, name: "sync",
            sql: [
                // What is held of each replica (every op up to `acked`) and who owns it.
                "CREATE TABLE replica_progress (replica text PRIMARY KEY, acked bigint NOT NULL, owner text NOT NULL)",
                // Ops refused for scope, kept for a dispatcher: never silently dropped.
                """
                CREATE TABLE quarantine (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    received_wall bigint NOT NULL,
                    principal text NOT NULL,
                    replica text NOT NULL,
                    counter bigint NOT NULL,
                    wall bigint NOT NULL,
                    logical bigint NOT NULL,
                    subject text NOT NULL,
                    kind bigint NOT NULL,
                    payload bytea NOT NULL,
                    checksum bigint NOT NULL,
                    reason text NOT NULL,
                    UNIQUE (replica, counter)
                )
                """,
                "CREATE INDEX quarantine_by_subject ON quarantine (subject)",
                """
                CREATE TABLE device_clocks (
                    replica text PRIMARY KEY, principal text NOT NULL, offset_ms bigint NOT NULL, measured_wall bigint NOT NULL)
                """,
                // The ticket list, derived from the ops in the transaction that stores them.
                """
                CREATE TABLE tickets (
                    id text PRIMARY KEY, status text NOT NULL, assignee text NOT NULL, customer text NOT NULL, site text NOT NULL,
                    device_model text NOT NULL, priority text NOT NULL, conflicts integer NOT NULL, updated_wall bigint NOT NULL,
                    digest text NOT NULL)
                """,
                // Every engineer ever assigned to a ticket, from the op-log position (the
                // assigning transaction's xid, and its last op's seq on the ticket) on.
                """
                CREATE TABLE ticket_scope (
                    engineer text NOT NULL, ticket text NOT NULL, since_xid xid8 NOT NULL, since_seq bigint NOT NULL,
                    PRIMARY KEY (engineer, ticket))
                """,
                "CREATE INDEX ticket_scope_by_since ON ticket_scope (engineer, since_xid, since_seq)",
                // The central's own settings, made once (the voucher key: never sent or logged).
                "CREATE TABLE central_meta (name text PRIMARY KEY, value text NOT NULL)",
            ]),
        Migration(
            version: 4, name: "entities",
            sql: [
                // Every entity beyond tickets, of any kind NodeEntityKinds registers: its row
                // (the kind's JSON) and who may see it (EntityAudience's JSON), as the model
                // derives them in the transaction that stores its ops. No table per kind.
                "CREATE TABLE entities (id text PRIMARY KEY, kind text NOT NULL, seq bigint NOT NULL, row text NOT NULL, audience text NOT NULL)",
                "CREATE INDEX entities_by_kind ON entities (kind, id)",
                // The terms that find an entity's candidate tickets (EntityTerm: m, c, k).
                "CREATE TABLE entity_terms (kind text NOT NULL, term text NOT NULL, entity text NOT NULL, PRIMARY KEY (kind, term, entity))",
                "CREATE INDEX entity_terms_by_entity ON entity_terms (entity)",
                // What of each ticket decides which entities fit it (folded: lowercased, trimmed).
                "CREATE TABLE ticket_facts (ticket text PRIMARY KEY, device_model text NOT NULL, fault_code text NOT NULL, fault text NOT NULL)",
                "CREATE INDEX ticket_facts_by_model ON ticket_facts (device_model)",
                "CREATE INDEX ticket_facts_by_code ON ticket_facts (fault_code)",
                // Each principal's entities ('*': every device's), in scope from the op-log
                // position (xid, seq) of the change that brought them in, and, once they
                // left, from the one that took them out: a pull sends the whole history of
                // what entered within its page and names what left.
                """
                CREATE TABLE entity_scope (
                    principal text NOT NULL, entity text NOT NULL, since_xid xid8 NOT NULL, since_seq bigint NOT NULL,
                    left_xid xid8, left_seq bigint, PRIMARY KEY (principal, entity))
                """,
                "CREATE INDEX entity_scope_by_since ON entity_scope (principal, since_xid, since_seq)",
                "CREATE INDEX entity_scope_by_left ON entity_scope (principal, left_xid, left_seq) WHERE left_xid IS NOT NULL",
                "CREATE INDEX entity_scope_by_entity ON entity_scope (entity)",
            ],
            // Tickets and entities stored before: their rows, from their ops.
            derive: { connection, logger in
                try await EntityMaterialiser(connection: connection, logger: logger, schema: 4).rederiveEverything()
            }),
        Migration(
            version: 5, name: "blobs",
            sql: [
                // Which tickets refer to which blob (attachments; the largest size an op
                // declares bounds an upload), and which replica's op attached it: filled by
                // ingest as tickets are materialised. Blob scope follows ticket scope.
                "CREATE TABLE ticket_blobs (sha256 text NOT NULL, ticket text NOT NULL, size bigint NOT NULL, PRIMARY KEY (sha256, ticket))",
                "CREATE TABLE blob_attachers (sha256 text NOT NULL, ticket text NOT NULL, replica text NOT NULL, PRIMARY KEY (sha256, ticket, replica))",
                // Principals that proved they hold a blob (a verified upload or a challenge).
                "CREATE TABLE blob_possession (sha256 text NOT NULL, principal text NOT NULL, proven_wall bigint NOT NULL, PRIMARY KEY (sha256, principal))",
                // The open challenge of each (blob, principal): the nonce's SHA-256 only, single use.
                """
                CREATE TABLE blob_challenges (
                    sha256 text NOT NULL, principal text NOT NULL, nonce_sha256 text NOT NULL, expires_wall bigint NOT NULL,
                    PRIMARY KEY (sha256, principal))
                """,
                // Unfinished uploads and the principal that sent bytes last (the per-principal cap).
                "CREATE TABLE blob_partials (sha256 text PRIMARY KEY, principal text NOT NULL)",
                "CREATE INDEX blob_partials_by_principal ON blob_partials (principal)",
                // The bytes: a row per blob (`received` bytes held, visible once `complete`),
                // and its chunks of at most 256 KiB at their byte positions, one transaction
                // per chunk, so what a node acknowledged is committed.
                """
                CREATE TABLE blobs (
                    sha256 text PRIMARY KEY, received bigint NOT NULL, complete boolean NOT NULL DEFAULT false,
                    touched timestamptz NOT NULL DEFAULT clock_timestamp())
                """,
                "CREATE INDEX blobs_unfinished ON blobs (touched) WHERE NOT complete",
                """
                CREATE TABLE blob_chunks (
                    sha256 text NOT NULL REFERENCES blobs ON DELETE CASCADE, pos bigint NOT NULL, bytes bytea NOT NULL,
                    PRIMARY KEY (sha256, pos))
                """,
                // Photos are compressed already: stored out of line without trying to compress them again.
                "ALTER TABLE blob_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL",
                // Upload leases across node processes (UploadLease's rule): the upload holding
                // each blob, its random token, and when its last bytes arrived (the database's clock).
                """
                CREATE TABLE blob_leases (
                    sha256 text PRIMARY KEY, holder text NOT NULL, token text NOT NULL, last_byte timestamptz NOT NULL)
                """,
            ],
            // Tickets stored before: the blobs they refer to, from their ops.
            derive: { connection, logger in try await EntityMaterialiser(connection: connection, logger: logger, schema: 5).rederiveEverything() }),
        Migration(
            version: 6, name: "entity blobs",
            sql: [
                // The blobs each entity beyond tickets shows as it stands (an article's current
                // images; none once retired), kept by the materialiser: a principal whose scope
                // holds the entity may download them.
                "CREATE TABLE entity_blobs (sha256 text NOT NULL, entity text NOT NULL, PRIMARY KEY (sha256, entity))",
                "CREATE INDEX entity_blobs_by_entity ON entity_blobs (entity)",
            ],
            // Entities stored before: the blobs they show, from their ops.
            derive: { connection, logger in try await EntityMaterialiser(connection: connection, logger: logger, schema: 6).rederiveEntities() }),
        Migration(
            version: 7, name: "pull by subject",
            sql: [
                // An engineer's pull reads the ops of each ticket in their scope past the
                // cursor (subject, then position), not every op past it: at a shift end the
                // log past a cursor is everyone's day, and the scan grew with the engineers.
                "DROP INDEX ops_by_subject",
                "CREATE INDEX ops_by_subject ON ops (subject, xid, seq)",
                // Ops on entities beyond tickets (ids `kind:name`; a ticket's has no colon),
                // by position: the rest of a pull's scope, few among many ticket ops.
                "CREATE INDEX ops_entities_by_xid ON ops (xid, seq) WHERE strpos(subject, ':') > 0",
                // Who is assigned to a ticket, read for every ticket a push changes.
                "CREATE INDEX ticket_scope_by_ticket ON ticket_scope (ticket)",
            ]),
        Migration(
            version: 8, name: "depot members",
            sql: [
                // Which engineers each depot serves (M8): a depot relays their devices' ops.
                // A removal is kept, as on SQLite (FieldStore's DepotMembers).
                """
                CREATE TABLE depot_members (
                    depot text NOT NULL, engineer text NOT NULL, added_wall bigint NOT NULL, removed_wall bigint,
                    PRIMARY KEY (depot, engineer))
                """
            ]),
        Migration(
            version: 9, name: "relayed through",
            sql: [
                // What each depot relayed here (M8), by replica: the highest counter of a push
                // from it, all of whose ops up to it the depot holds. Its pulls leave them out.
                "CREATE TABLE relayed_through (depot text NOT NULL, replica text NOT NULL, counter bigint NOT NULL, PRIMARY KEY (depot, replica))"
            ]),
        Migration(
            version: 10, name: "depot relays",
            sql: [
                // Which depots relay which (M8 trees), as on SQLite (FieldStore's DepotRelays);
                // a central is never a depot, so nothing here is adopted from an upstream.
                """
                CREATE TABLE depot_relays (
                    parent text NOT NULL, child text NOT NULL, added_wall bigint NOT NULL, removed_wall bigint,
                    PRIMARY KEY (parent, child))
                """
            ]),
    ]

    /// The newest version this node knows.
    public static var latest: Int { migrations.map(\.version).max() ?? 0 }

    /// Applies the migrations `client`'s database lacks; returns the versions applied.
    @discardableResult
    public static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [Int] {
        do {
            return try await client.checkedTransaction(logger: logger) { connection in
                try await connection.checkedQuery("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                try await connection.checkedQuery(
                    """
                    CREATE TABLE IF NOT EXISTS fieldsync_migrations (
                        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                    """, logger: logger)
                var applied = Set<Int>()
                for try await version in try await connection.checkedQuery("SELECT version FROM fieldsync_migrations", logger: logger)
                    .decode(Int.self)
                {
                    applied.insert(version)
                }
                if let newest = applied.max(), newest > latest {
                    throw CentralError(
                        .schemaTooNew,
                        "the database's schema is version \(newest), newer than this node's \(latest): upgrade fieldsync-node")
                }
                var done: [Int] = []
                for migration in migrations where !applied.contains(migration.version) {
                    for statement in migration.sql {
                        try await connection.checkedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await migration.derive?(connection, logger)
                    try await connection.checkedQuery(
                        "INSERT INTO fieldsync_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                        logger: logger)
                    done.append(migration.version)
                }
                return done
            }
        } catch let error as CentralError {
            throw error
        } catch {
            throw CentralError(.unavailable, "the PostgreSQL schema could not be brought up to date: \(String(reflecting: error))")
        }
    }
}
