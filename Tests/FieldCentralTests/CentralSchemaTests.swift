import FieldCentral
import FieldTestSupport
import PostgresNIO
import Testing

/// Migrations: versioned, applied once, safe when nodes start at once, and a newer schema
/// refused.
@Suite struct CentralSchemaTests {
    @Test func migratingTwiceAppliesNothingTheSecondTime() async throws {
        try await withCentral(migrate: false) { client, _, _ in
            let first = try await CentralSchema.migrate(client, logger: testLogger)
            let second = try await CentralSchema.migrate(client, logger: testLogger)
            #expect(first == Array(1...CentralSchema.latest))
            #expect(CentralSchema.latest >= 2)
            #expect(second == [])
        }
    }

    @Test func nodesStartingAtOnceApplyEachMigrationOnce() async throws {
        try await withCentral(migrate: false) { _, _, database in
            // Four nodes, each with its own client (its own sessions), migrating at the same time.
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask { try await withClient(database) { try await CentralSchema.migrate($0, logger: testLogger) } }
                }
                var all: [[Int]] = []
                for try await a in group { all.append(a) }
                return all
            }
            #expect(applied.sorted { $0.count > $1.count } == [Array(1...CentralSchema.latest), [], [], []])
        }
    }

    @Test func aSchemaNewerThanTheNodeIsRefused() async throws {
        try await withCentral { client, _, _ in
            try await client.query("INSERT INTO fieldsync_migrations (version, name) VALUES (99, 'from the future')")
            await #expect {
                try await CentralSchema.migrate(client, logger: testLogger)
            } throws: { error in
                (error as? CentralError)?.code == .schemaTooNew && "\(error)".contains("upgrade fieldsync-node")
            }
        }
    }
}
