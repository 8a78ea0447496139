import FieldCentral
import FieldModel
import FieldStore
import Testing

/// Several nodes on one PostgreSQL database: node A's push takes the lower sequence numbers
/// but commits after node B's, while an engineer's device pulls through a third. A pull of
/// "seq > cursor" would pass B's ops and never see A's; below the visibility horizon the
/// device gets every op once. (With the horizon filter taken out of
/// PostgresNodeStore.pull, this test fails: A's op is never pulled.)
@Suite struct UnluckyCommitTests {
    typealias F = SyncFixtures

    @Test func aPushCommittedLateThroughAnotherNodeIsNotSkipped() async throws {
        try await withCentral { client, _, database in
            let reader = PostgresNodeStore(client: client, logger: testLogger)
            // Two tickets: the nodes' pushes touch different rows, as two engineers' do.
            let tickets = [F.created(F.desk, 1, "T1-pump", assignee: "E17"), F.created(F.desk, 2, "T2-boiler", assignee: "E17")]
            _ = try await F.ingest(reader, tickets, from: F.dispatcher, replica: F.desk)
            let (first, cursor) = try await F.pull(reader, F.e17, as: F.tab17, atLeast: 2)
            #expect(first.count == 2)
            try await withClient(database) { clientA in
                try await withClient(database) { clientB in
                    let inserted = Flag()
                    let release = Flag()
                    var nodeA = PostgresNodeStore(client: clientA, logger: testLogger)
                    nodeA.beforeCommit = {
                        await inserted.set()
                        try await until { await release.isSet }
                    }
                    let nodeB = PostgresNodeStore(client: clientB, logger: testLogger)
                    let late = F.note(F.desk, 3, on: "T1-pump", "from node A, committed last")
                    let early = F.note(ReplicaID("dispatch-2")!, 1, on: "T2-boiler", "from node B, committed first")
                    // A child task (it keeps the test's executor), holding A's transaction open.
                    async let a = F.ingest(nodeA, [late], from: F.dispatcher, replica: F.desk)
                    try await until { await inserted.isSet }
                    _ = try await F.ingest(nodeB, [early], from: F.dispatcher, replica: ReplicaID("dispatch-2")!)
                    // The device pulls while A's op is stored but not committed.
                    let page = try await reader.pull(for: F.e17, requester: F.tab17, cursor: cursor, limit: 100)
                    #expect(!page.ops.contains(late))
                    await release.set()
                    #expect(try await a.inserted == 1)
                    let (rest, _) = try await F.pull(reader, F.e17, as: F.tab17, from: page.cursor, atLeast: 2 - page.ops.count)
                    let seen = (page.ops + rest).map(\.id)
                    #expect(seen.count == 2, "pulled \(seen)")
                    #expect(Set(seen) == [late.id, early.id], "pulled \(page.ops.map(\.id)) then \(rest.map(\.id))")
                }
            }
        }
    }
}
