import FieldCentral
import FieldModel
import FieldStore
import FieldTestSupport
import PostgresNIO
import Testing

/// A scope change committed while an unrelated transaction anywhere in the cluster holds
/// the visibility horizon back (another node's push, a report, another test's database):
/// the assignment is stored, but a pull may not yet read it. The ticket and the article it
/// brings must then arrive later, whole and once: not their history now (it would come
/// again with the assignment), nothing missing after. (With membership read from the scope
/// tables as they are now, not by op-log position, the first pull sends the ticket's
/// history early and the second sends it again.)
@Suite struct ScopeBehindHorizonTests {
    typealias F = SyncFixtures
    typealias A = ArticleFixtures

    /// Runs `body` while an unrelated transaction with an id is open in `database` (so the
    /// horizon stays behind everything `body` commits) until `body` calls the release it
    /// is given, which waits for that transaction to end.
    func holdingTheHorizon(_ database: CentralDatabase, _ body: (_ release: () async throws -> Void) async throws -> Void) async throws {
        try await withClient(database) { other in
            let holding = Flag()
            let release = Flag()
            let held = Task(executorPreference: DedicatedExecutor.shared) {
                try await other.withTransaction(logger: testLogger) { connection in
                    _ = try await connection.query("SELECT pg_current_xact_id()", logger: testLogger)
                    await holding.set()
                    try await until { await release.isSet }
                }
            }
            try await until { await holding.isSet }
            try await body {
                await release.set()
                try await held.value
            }
        }
    }

    @Test func aTicketAssignedAboveTheHorizonArrivesLaterWholeAndOnce() async throws {
        try await withCentral { client, _, database in
            let store = PostgresNodeStore(client: client, logger: testLogger)
            let burner = A.publish(1, "burner", keywords: ["burner"])
            let t1 = F.created(F.desk, 2, "T1-pump", assignee: "E17")
            _ = try await F.ingest(store, [burner, t1], from: F.dispatcher, replica: F.desk)
            let first = try await A.pull(store, F.e17, as: F.tab17, atLeast: 1)
            #expect(first.ops == [t1])
            // E18's ticket and a note on it, read by E18 (so below the horizon), out of E17's scope.
            let t2 = A.ticket(3, "T2-boiler", model: "B1", fault: "Burner noise at start", assignee: "E18")
            let note = F.note(F.desk, 4, on: "T2-boiler")
            _ = try await F.ingest(store, [t2, note], from: F.dispatcher, replica: F.desk)
            let e18 = try await A.pull(store, F.e18, as: F.tab18, atLeast: 3)
            #expect(e18.ids == [t2.id, note.id, burner.id])

            try await holdingTheHorizon(database) { release in
                let reassign = F.assign(F.desk, 5, "T2-boiler", to: "E17", replacing: [t2.id])
                #expect(try await F.ingest(store, [reassign], from: F.dispatcher, replica: F.desk).inserted == 1)
                // Committed, but above the horizon: nothing of T2 or its article yet.
                let behind = try await store.pull(for: F.e17, requester: F.tab17, cursor: first.cursor, limit: 100)
                #expect(behind.ops.isEmpty, "pulled \(behind.ops.map(\.id)) while the assignment was above the horizon")
                try await release()

                let rest = try await A.pull(store, F.e17, as: F.tab17, from: behind.cursor, atLeast: 4)
                let got = (behind.ops + rest.ops).map(\.id)
                #expect(got.count == 4, "pulled \(got)")
                #expect(Set(got) == [t2.id, note.id, reassign.id, burner.id])
                #expect(rest.left.isEmpty)
            }
        }
    }

    @Test func anArticleThatLeftAboveTheHorizonIsNotHalfSent() async throws {
        try await withCentral { client, _, database in
            let store = PostgresNodeStore(client: client, logger: testLogger)
            let guide = A.publish(1, "x2-service", models: ["X2"])
            let t1 = A.ticket(2, "T1-chiller", model: "X2", fault: "trips", assignee: "E17")
            _ = try await F.ingest(store, [guide, t1], from: F.dispatcher, replica: F.desk)
            let first = try await A.pull(store, F.e17, as: F.tab17, atLeast: 2)
            #expect(first.ids == [t1.id, guide.id])
            // A new version while the article is in scope: E17 must get it.
            let v2 = A.publish(3, "x2-service", version: 2, models: ["X2"])
            _ = try await F.ingest(store, [v2], from: F.dispatcher, replica: F.desk)

            try await holdingTheHorizon(database) { release in
                // The ticket's model changes: the article leaves E17's scope, above the horizon.
                let model = A.set(4, "T1-chiller", Field.deviceModel, "Z9", replacing: [t1.id])
                _ = try await F.ingest(store, [model], from: F.dispatcher, replica: F.desk)
                let behind = try await store.pull(for: F.e17, requester: F.tab17, cursor: first.cursor, limit: 100)
                try await release()

                let rest = try await A.pull(store, F.e17, as: F.tab17, from: behind.cursor, atLeast: 2 - behind.ops.count, leftAtLeast: 1)
                let got = (behind.ops + rest.ops).map(\.id)
                // v2 was stored while the article was in scope: it comes, once, before the leaving.
                #expect(got.count == 2 && Set(got) == [v2.id, model.id], "pulled \(got)")
                #expect(behind.left + rest.left == [A.id("x2-service")])
            }
        }
    }
}
