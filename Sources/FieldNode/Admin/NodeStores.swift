import FieldCentral
import FieldStore
import Logging

/// Where an admin command finds the node's store: a data folder (SQLite) or a central
/// PostgreSQL database (`--postgres URL`, or `FIELDSYNC_POSTGRES_URL`), never both.
public enum NodeStores {
    /// The environment variable `--postgres` falls back to (so the URL, with its password,
    /// need not be typed where the shell keeps a history).
    public static let postgresURLVariable = "FIELDSYNC_POSTGRES_URL"

    /// Errors only, on stderr: an admin command's stdout is its answer (a token, alone).
    public static let adminLogger: Logger = {
        var logger = Logger(label: "fieldsync.node.admin") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .error
        return logger
    }()

    /// Runs `body` with the store `data` or `postgres` names.
    public static func with<T>(
        data: String?, postgres: String?, logger: Logger = NodeStores.adminLogger,
        _ body: (any NodeStore) async throws -> T
    ) async throws -> T {
        switch (data, postgres) {
        case (let data?, nil):
            return try await body(SQLiteNodeStore(try NodeData.open(data, concurrentReads: true)))
        case (nil, let url?):
            return try await PostgresNodeStore.with(url: url, logger: logger) { try await body($0) }
        case (.some, .some), (nil, nil):
            throw refusal(bothGiven: data != nil)
        }
    }

    /// Why a command that names both stores, or neither, is refused.
    static func refusal(bothGiven: Bool) -> NodeError {
        bothGiven
            ? NodeError.badRequest("give --data DIR or --postgres URL, not both")
            : NodeError.badRequest("give --data DIR (a node's folder) or --postgres URL (a central on PostgreSQL; or set \(postgresURLVariable))")
    }

    /// `check --postgres`: the central's ops and tickets (``PostgresNodeStore/check(name:)``),
    /// named by host and database, never with the password.
    public static func check(postgres url: String) async throws -> CheckReport {
        let database = try CentralDatabase(url: url)
        return try await PostgresNodeStore.with(url: url, logger: adminLogger) { try await $0.check(name: database.description) }
    }

    /// Runs `body` with the ticket and knowledge-base commands on the store `data` or
    /// `postgres` names. A data folder's images go to its blob folder; a central on
    /// PostgreSQL's go to its blobs in the database, which every node sharing it serves.
    public static func central<T>(
        data: String?, postgres: String?, logger: Logger = NodeStores.adminLogger,
        _ body: (CentralAdmin) async throws -> T
    ) async throws -> T {
        switch (data, postgres) {
        case (let data?, nil):
            return try await body(try NodeAdmin(dataDirectory: data).central)
        case (nil, let url?):
            return try await PostgresNodeStore.with(url: url, logger: logger) { store in
                try await body(CentralAdmin(store, images: NodeBlobImages(PostgresNodeBlobStore(store))))
            }
        case (.some, .some), (nil, nil):
            throw refusal(bothGiven: data != nil)
        }
    }
}
