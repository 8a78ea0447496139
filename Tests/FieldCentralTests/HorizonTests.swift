import FieldCentral
import FieldModel
import FieldStore
import FieldTestSupport
import PostgresNIO
import Testing

/// The visibility horizon's parts that are PostgreSQL's alone: the cursor a central gives
/// out, and the age of the transaction that holds every puller back (a metric). The
/// horizon itself is UnluckyCommitTests'.
@Suite struct HorizonTests {
    typealias F = SyncFixtures

    @Test(arguments: [[UInt8]([3]), [2] + [UInt8](repeating: 0, count: 16), [3] + [UInt8](repeating: 0xFF, count: 16), [UInt8](repeating: 3, count: 18)])
    func aCursorThisCentralDidNotGiveIsRefused(_ bytes: [UInt8]) {
        #expect(throws: CentralError.self) { try OpLogCursor(encoded: bytes) }
    }

    @Test func aCursorRoundTripsAndOrdersByTransactionFirst() throws {
        let cursor = OpLogCursor(xid: 1 << 40, seq: 7)
        #expect(try OpLogCursor(encoded: cursor.encoded) == cursor)
        #expect(cursor.encoded.count == 17 && cursor.encoded.first == OpLogCursor.version)
        #expect(OpLogCursor(xid: 5, seq: 900) < OpLogCursor(xid: 6, seq: 1))
        #expect(try OpLogCursor(encoded: []) == .start)
    }

    @Test func theOldestOpenTransactionIsMeasured() async throws {
        try await withCentral { _, store, database in
            try await withClient(database) { other in
                let holding = Flag()
                let release = Flag()
                var node = PostgresNodeStore(client: other, logger: testLogger)
                node.beforeCommit = {
                    await holding.set()
                    try await until { await release.isSet }
                }
                // A child task (it keeps the test's executor), holding its transaction open.
                async let held = F.ingest(node, [F.created(F.desk, 1, "T1-pump", assignee: "E17")], from: F.dispatcher, replica: F.desk)
                try await until { await holding.isSet }
                try await Task.sleep(for: .milliseconds(1_200))
                let age = try await store.oldestTransactionSeconds()
                await release.set()
                _ = try await held
                #expect(age >= 1 && age < 15, "age \(age)")
            }
        }
    }
}
