import FieldModel
import FieldStore
import Testing

/// An engineer's pull among everyone's ops, on both backends: the ops of their tickets
/// and of the entities in their scope, interleaved with other engineers' in the log, come
/// in log order, each once, whatever the page size; none of the others' and none of their
/// own device's. (PostgreSQL reads them ticket by ticket from the cursor and entities apart:
/// the pages must still merge into one order.)
@Suite struct ScopePagingTests {
    typealias F = SyncFixtures
    typealias A = ArticleFixtures

    @Test(arguments: Backend.allCases, [1, 2, 5])
    func anEngineersScopeAmongOthersComesInLogOrderEachOnce(_ backend: Backend, limit: Int) async throws {
        try await withNodeStore(backend) { store, _ in
            var desk: UInt64 = 0
            func next() -> UInt64 {
                desk += 1
                return desk
            }
            let morning = [
                F.created(F.desk, next(), "T1-pump", assignee: "E17"), F.created(F.desk, next(), "T2-boiler", assignee: "E18"),
                F.created(F.desk, next(), "T3-chiller", assignee: "E17"), A.publish(next(), "safety", everyone: true),
            ]
            _ = try await F.ingest(store, morning, from: F.dispatcher, replica: F.desk)
            var expected = morning.filter { $0.subject.rawValue != "T2-boiler" }
            var tab17: UInt64 = 0
            var tab18: UInt64 = 0
            // One transaction each, so the log interleaves them.
            for round in 1...4 {
                for ticket in ["T3-chiller", "T2-boiler", "T1-pump"] {
                    let op = F.note(F.desk, next(), on: ticket, "desk \(round)")
                    _ = try await F.ingest(store, [op], from: F.dispatcher, replica: F.desk)
                    if ticket != "T2-boiler" { expected.append(op) }
                }
                tab18 += 1
                _ = try await F.ingest(store, [F.note(F.tab18, tab18, on: "T2-boiler", "E18 \(round)")], from: F.e18, replica: F.tab18)
                tab17 += 1
                _ = try await F.ingest(store, [F.note(F.tab17, tab17, on: "T1-pump", "E17 \(round)")], from: F.e17, replica: F.tab17)
                if round == 2 {
                    let v2 = A.publish(next(), "safety", version: 2, everyone: true)
                    _ = try await F.ingest(store, [v2], from: F.dispatcher, replica: F.desk)
                    expected.append(v2)
                }
            }
            let got = try await pages(store, F.e17, as: F.tab17, limit: limit, atLeast: expected.count)
            #expect(got.map(\.id) == expected.map(\.id), "limit \(limit)")
        }
    }

    /// Every page until at least `count` ops came and the last page said no more (or 10 s
    /// passed: PostgreSQL's horizon is the cluster's, held back a moment by tests beside).
    func pages(_ store: any NodeStore, _ principal: Principal, as requester: ReplicaID, limit: Int, atLeast count: Int) async throws -> [Op] {
        var ops: [Op] = []
        var cursor: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let page = try await store.pull(for: principal, requester: requester, cursor: cursor, limit: limit)
            ops += page.ops
            cursor = page.cursor
            if page.more { continue }
            if ops.count >= count || ContinuousClock.now > deadline { return ops }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
