import FieldCentral
import FieldModel
import FieldStore
import FieldTestSupport
import PostgresNIO
import Testing

/// A node's session that PostgreSQL ends mid-transaction (its idle-in-transaction timeout,
/// an operator's pg_terminate_backend, a failover) fails the request that held it, with the
/// store's error, and the node goes on: it never waits for ever on a connection that is gone.
@Suite struct KilledSessionTests {
    typealias F = SyncFixtures

    @Test func aPushWhoseSessionIsEndedFailsAndTheNextOneIsTaken() async throws {
        try await withCentral { client, store, _ in
            let holding = Flag()
            let release = Flag()
            var node = store
            node.beforeCommit = {
                await holding.set()
                try await until { await release.isSet }
            }
            let frozen = node
            let outcome = Outcome()
            // Unstructured: were the push to hang, the test fails at the deadline below
            // instead of waiting with it.
            Task(executorPreference: DedicatedExecutor.shared) {
                do throws(StoreError) {
                    await outcome.set(.success(try await F.ingest(frozen, [F.created(F.desk, 1, "T1-pump", assignee: "E17")], from: F.dispatcher, replica: F.desk)))
                } catch {
                    await outcome.set(.failure(error))
                }
            }
            try await until { await holding.isSet }
            // The session idle in a transaction is ended, as PostgreSQL's timeout ends it.
            let ended = try await client.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()
                """, logger: testLogger
            ).decode(Bool.self).all()
            #expect(ended == [true])
            await release.set()
            try await until { await outcome.value != nil }
            guard case .failure(let error) = await outcome.value else {
                Issue.record("a push whose session was ended reported success")
                return
            }
            #expect(error.code == .database, "\(error)")
            // Nothing of it is stored, and the next push is taken on a new session.
            let again = try await F.ingest(store, [F.created(F.desk, 1, "T1-pump", assignee: "E17")], from: F.dispatcher, replica: F.desk)
            #expect(again.inserted == 1)
        }
    }
}

/// What the held push ended with, once it ended.
actor Outcome {
    private(set) var value: Result<IngestResult, StoreError>?
    func set(_ value: Result<IngestResult, StoreError>) { self.value = value }
}
