import FieldCentral
import FieldModel
import FieldStore
import FieldTestSupport
import PostgresNIO
import Testing

/// Who the central is to devices when several nodes serve one database: one id for all,
/// made once, kept across starts, and forked when the database's history changed.
@Suite struct CentralIdentityTests {
    @Test func everyNodeOnADatabaseAnswersAsOneCentral() async throws {
        try await withCentral { _, store, database in
            // Four nodes asking at once make one id.
            let ids = try await withThrowingTaskGroup(of: CentralIdentity.self) { group in
                for _ in 0..<4 { group.addTask { try await store.identity() } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(ids).count == 1)
            let first = try #require(ids.first)
            #expect(first.replica.rawValue.hasPrefix("node-") && first.replica.rawValue.count == 13)
            #expect(first.forkedFrom == nil)
            // Another node process (its own client), later: the same id and incarnation.
            let again = try await withClient(database) { try await PostgresNodeStore(client: $0, logger: testLogger).identity() }
            #expect(again == first)
        }
    }

    @Test(arguments: ["7715371545321724813.2", "", "db1"])
    func aRestoredDatabaseForksToANewIdAndIncarnation(recorded cluster: String) async throws {
        try await withCentral { client, store, _ in
            let before = try await store.identity()
            // As if the database's files came from another cluster or timeline.
            try await client.query("UPDATE central_meta SET value = \(cluster) WHERE name = 'cluster'", logger: testLogger)
            let after = try await store.identity()
            #expect(after.forkedFrom == before.replica)
            #expect(after.replica != before.replica && after.replica.rawValue.hasPrefix("node-"))
            #expect(after.incarnation != before.incarnation)
            // Once forked, it stays put.
            let settled = try await store.identity()
            #expect(settled.replica == after.replica && settled.forkedFrom == nil)
        }
    }

    @Test func noDeviceMayPushAsTheCentral() async throws {
        try await withCentral { _, store, _ in
            let central = try await store.identity().replica
            let forged = SyncFixtures.created(central, 1, "T9-forged", assignee: "E17")
            for (pusher, device) in [(SyncFixtures.dispatcher, SyncFixtures.desk), (SyncFixtures.dispatcher, central), (SyncFixtures.e17, central)] {
                let refused = await SyncFixtures.refusal { try await SyncFixtures.ingest(store, [forged], from: pusher, replica: device) }
                #expect(refused == .forbidden, "\(pusher.name) as \(device)")
            }
            #expect(try await store.held(of: [central])[central] == 0)
            #expect(try await store.owner(of: central) == PushCheck.selfOwner)
        }
    }

    @Test func aDamagedIdIsReplacedNotServed() async throws {
        try await withCentral { client, store, _ in
            let before = try await store.identity()
            try await client.query("UPDATE central_meta SET value = 'not an id!' WHERE name = 'replica'", logger: testLogger)
            let after = try await store.identity()
            #expect(after.replica != before.replica && ReplicaID.isValid(after.replica.rawValue))
        }
    }
}
