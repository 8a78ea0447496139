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
        let template = migrate ? try await MigratedTemplate.shared.name() : nil
        let database = try CentralDatabase(url: try await TestPostgres.shared().database(template: template))
        return try await withClient(database) { client in
            // A copy of the migrated template: this finds every version applied and writes nothing.
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

/// One database migrated once per test process, copied for each test that wants a migrated
/// central. Why: a migration is one transaction of dozens of statements; run by every test
/// in a busy test process, it sat "idle in transaction" for seconds between statements, and
/// an open transaction anywhere in the cluster holds back every pull's visibility horizon,
/// so tests that pull beside it saw ops late (found with pg_stat_activity).
actor MigratedTemplate {
    static let shared = MigratedTemplate()
    /// Made once: tests asking while it is being made wait for the same one.
    private var making: Task<String, any Error>?

    func name() async throws -> String {
        if let making { return try await making.value }
        let task = Task(executorPreference: DedicatedExecutor.shared) {
            let url = try await TestPostgres.shared().database("template")
            try await withClient(try CentralDatabase(url: url)) { try await CentralSchema.migrate($0, logger: testLogger) }
            // The client's connections close with it: a template must have no sessions to be copied.
            return String(url.split(separator: "/").last ?? "")
        }
        making = task
        return try await task.value
    }
}

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
