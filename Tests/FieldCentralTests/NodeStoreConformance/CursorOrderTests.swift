import FieldCentral
import FieldModel
import FieldStore
import PostgresNIO
import Testing

/// Pages in (xid, seq) order when the transaction ids cross a power of ten, as every
/// cluster's do (999 → 1000 early in its life, 9,999 → 10,000 soon after). A pull that
/// ordered by the xid's text ("10" before "9") gave out a cursor past ops it had not sent:
/// the dispatcher never saw them, and an engineer got others twice.
@Suite struct CursorOrderTests {
    typealias F = SyncFixtures

    /// Four ops stored, then moved to transactions 9, 10, 11 and 12 (long committed, so below
    /// any horizon), with E17's ticket in scope from the first.
    func withOpsAcrossTen(_ body: (PostgresNodeStore, [Op]) async throws -> Void) async throws {
        try await withCentral { client, _, _ in
            let store = PostgresNodeStore(client: client, logger: testLogger)
            let ops = [F.created(F.desk, 1, "T1-pump", assignee: "E17")] + (2...4).map { F.note(F.desk, UInt64($0), on: "T1-pump", "reading \($0)") }
            _ = try await F.ingest(store, ops, from: F.dispatcher, replica: F.desk)
            for (xid, counter) in zip([9, 10, 11, 12], 1...4) {
                try await client.query(
                    "UPDATE ops SET xid = CAST(\(String(xid)) AS xid8) WHERE replica = \(F.desk.rawValue) AND counter = \(counter)",
                    logger: testLogger)
            }
            try await client.query("UPDATE ticket_scope SET since_xid = CAST('9' AS xid8)", logger: testLogger)
            try await body(store, ops)
        }
    }

    @Test(arguments: [1, 2, 3])
    func aDispatcherPagingAcrossTenGetsEveryOpOnce(limit: Int) async throws {
        try await withOpsAcrossTen { store, ops in
            let got = try await pages(store, F.dispatcher, as: F.tab17, limit: limit)
            #expect(got == ops.map(\.id), "limit \(limit)")
        }
    }

    @Test(arguments: [1, 2, 3])
    func anEngineerPagingAcrossTenGetsEveryOpOnce(limit: Int) async throws {
        try await withOpsAcrossTen { store, ops in
            let got = try await pages(store, F.e17, as: F.tab17, limit: limit)
            #expect(got == ops.map(\.id), "limit \(limit)")
        }
    }

    /// Every page to the end, then one more (which must bring nothing).
    func pages(_ store: PostgresNodeStore, _ principal: Principal, as requester: ReplicaID, limit: Int) async throws -> [OpID] {
        var cursor: [UInt8] = []
        var got: [OpID] = []
        for _ in 0..<20 {
            let page = try await store.pull(for: principal, requester: requester, cursor: cursor, limit: limit)
            got += page.ops.map(\.id)
            cursor = page.cursor
            if !page.more { break }
        }
        let after = try await store.pull(for: principal, requester: requester, cursor: cursor, limit: limit)
        return got + after.ops.map(\.id)
    }
}
