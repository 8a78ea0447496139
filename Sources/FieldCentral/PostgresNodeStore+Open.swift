import FieldStore
import Logging
import PostgresNIO

extension PostgresNodeStore {
    /// Connects to the central at `url`, brings its schema up to date and runs `body` with
    /// the store; the connections close when it returns. For admin commands: `serve` runs
    /// the client in its ServiceGroup instead.
    public static func with<T>(url: String, logger: Logger, _ body: (PostgresNodeStore) async throws -> T) async throws -> T {
        let database = try CentralDatabase(url: url)
        try await database.check(logger: logger)
        let client = database.makeClient(logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // Leases wait for run(): the first query starts once its task is under way, not
            // before (PostgresNIO warns of a lease before run(), and queues it).
            let (started, starting) = AsyncStream<Void>.makeStream()
            group.addTask {
                starting.finish()
                await client.run()
            }
            defer { group.cancelAll() }
            for await _ in started {}
            try await CentralSchema.migrate(client, logger: logger)
            return try await body(PostgresNodeStore(client: client, logger: logger))
        }
    }
}
