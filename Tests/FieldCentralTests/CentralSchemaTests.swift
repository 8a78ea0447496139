import FieldCentral
import FieldModel
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

    @Test func migration6FindsTheImagesOfArticlesStoredBeforeIt() async throws {
        try await withCentral { client, store, _ in
            let image = SHA256.hash([1, 2, 3])
            let shown = ArticleFixtures.publish(1, "x2-wiring", models: ["X2"], images: [image])
            let retired = [ArticleFixtures.publish(2, "old", images: [SHA256.hash([4])]), ArticleFixtures.retire(3, "old")]
            _ = try await SyncFixtures.ingest(store, [shown] + retired, from: SyncFixtures.dispatcher, replica: SyncFixtures.desk)
            // A database of version 5: no entity_blobs yet.
            try await client.query("DROP TABLE entity_blobs")
            try await client.query("DELETE FROM fieldsync_migrations WHERE version = 6")
            #expect(try await CentralSchema.migrate(client, logger: testLogger) == [6])
            let rows = try await client.query("SELECT sha256, entity FROM entity_blobs").decode((String, String).self).all()
            #expect(rows.map { [$0.0, $0.1] } == [[image.hex, "article:x2-wiring"]], "a retired article shows no image")
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
