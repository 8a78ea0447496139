import FieldCentral
import FieldModel
import FieldStore
import Testing

/// Two nodes on one PostgreSQL database change what an article's scope is decided from at
/// the same moment: node A edits a ticket's fault (and holds its transaction open), node B
/// publishes an article whose keyword the new fault has. Each alone would decide from the
/// other's old state (B sees the old fault, A never saw the article) and the engineer would
/// never get it; the scope lock makes B wait for A and decide from both. (With
/// EntityMaterialiser.lockScope made a no-op, this test fails: the article never arrives.)
@Suite struct ScopeRaceTests {
    typealias F = SyncFixtures
    typealias A = ArticleFixtures

    static let desk2 = ReplicaID("dispatch-2")!

    /// T1 stored; then node A stores `first` (from the desk) and holds its transaction
    /// open while node B stores `second` (from a second desk, `dispatch-2`); A commits after
    /// B has had time to decide without waiting. Each stores its op; `check` reads the outcome.
    func race(first: Op, second: Op, _ check: (PostgresNodeStore) async throws -> Void) async throws {
        try await withCentral { client, _, database in
            let reader = PostgresNodeStore(client: client, logger: testLogger)
            _ = try await F.ingest(reader, [Self.t1], from: F.dispatcher, replica: F.desk)
            try await withClient(database) { clientA in
                try await withClient(database) { clientB in
                    let written = Flag()
                    let release = Flag()
                    var nodeA = PostgresNodeStore(client: clientA, logger: testLogger)
                    nodeA.beforeCommit = {
                        await written.set()
                        try await until { await release.isSet }
                    }
                    let nodeB = PostgresNodeStore(client: clientB, logger: testLogger)
                    async let a = F.ingest(nodeA, [first], from: F.dispatcher, replica: F.desk)
                    try await until { await written.isSet }
                    async let b = F.ingest(nodeB, [second], from: F.dispatcher, replica: Self.desk2)
                    // B is now waiting for A's lock (without it, B would have decided by now).
                    try await Task.sleep(for: .milliseconds(500))
                    await release.set()
                    #expect(try await a.inserted == 1)
                    #expect(try await b.inserted == 1)
                    try await check(reader)
                }
            }
        }
    }

    static let t1 = A.ticket(1, "T1-chiller", model: "X2", fault: "trips", assignee: "E17")

    @Test func aTicketEditAndAnArticlePublishedAtOnceStillMeet() async throws {
        let fault = A.set(2, "T1-chiller", Field.fault, "swollen capacitor", replacing: [Self.t1.id])
        let article = Op(
            id: OpID(replica: Self.desk2, counter: 1), wallMillis: F.now, logical: 0, subject: A.id("capacitor"),
            body: .entity(EntityOp(ArticlePublished(version: 1, title: "Capacitor", body: "-", keywords: ["capacitor"]))))
        try await race(first: fault, second: article) { reader in
            let pulled = try await A.pull(reader, F.e17, as: F.tab17, atLeast: 3)
            #expect(pulled.articles == ["capacitor"], "pulled \(pulled.ops.map(\.id))")
        }
    }

    /// Node A stores a note on a ticket and holds its transaction open; node B stores a
    /// field on the same ticket. The ticket's row must be derived from both ops. (With
    /// Ingest.lockSubjects made a no-op, B derives it without A's note, and its row's digest
    /// is not the ticket's.)
    @Test func twoPushesOnOneTicketAtOnceBothShowInItsRow() async throws {
        let priority = Op(
            id: OpID(replica: Self.desk2, counter: 1), wallMillis: F.now + 5_000, logical: 0, subject: Self.t1.subject,
            body: .fieldSet(FieldWrite(field: Field.priority, value: "urgent", replaces: [])))
        try await race(first: F.note(F.desk, 2, on: "T1-chiller", "from node A"), second: priority) { reader in
            let ticket = try #require(try await reader.ticket(Self.t1.subject))
            #expect(ticket.notes.count == 1 && ticket.value(Field.priority) == "urgent")
            #expect(try await reader.tickets() == [TicketSummary(ticket)])
        }
    }
}
