import FieldCentral
import FieldTestSupport
import Logging
import PostgresNIO

/// A fresh database in the test process's throwaway cluster (TestPostgres), migrated, and a
/// running client for it; `body` gets the client and a node's store on it. Each call, its own
/// database.
/// Runs on DedicatedExecutor's threads: the rest of the suite blocks the cooperative pool's.
func withCentral<T>(
    migrate: Bool = true, _ body: (PostgresClient, PostgresNodeStore, CentralDatabase) async throws -> T
) async throws -> T {
    try await withTaskExecutorPreference(DedicatedExecutor.shared) {
        let database = try CentralDatabase(url: try await TestPostgres.shared().database())
        return try await withClient(database) { client in
            if migrate { try await CentralSchema.migrate(client, logger: testLogger) }
            return try await body(client, PostgresNodeStore(client: client, logger: testLogger), database)
        }
    }
}

/// A running client for `database`, for the length of `body` (a second node, say).
func withClient<T>(_ database: CentralDatabase, _ body: (PostgresClient) async throws -> T) async throws -> T {
    let client = database.makeClient(logger: testLogger)
    let running = Task(executorPreference: DedicatedExecutor.shared) { await client.run() }
    defer { running.cancel() }
    return try await withTaskExecutorPreference(DedicatedExecutor.shared) { try await body(client) }
}

let testLogger = Logger(label: "fieldsync.central.tests")

/// Waits until `flag()` holds, polling (a test's rendezvous between two sessions); after
/// 20 s the test fails instead of waiting for ever.
func until(_ flag: @Sendable () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(20)
    while await !flag() {
        guard ContinuousClock.now < deadline else { throw TimedOut() }
        try await Task.sleep(for: .milliseconds(10))
    }
}

struct TimedOut: Error {}

actor Flag {
    private(set) var isSet = false
    func set() { isSet = true }
}
