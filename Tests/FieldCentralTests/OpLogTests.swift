import FieldCentral
import FieldModel
import FieldTestSupport
import PostgresNIO
import Testing

/// A note op by `replica`, numbered `counter`.
func note(_ replica: String, _ counter: UInt64, _ text: String = "suction 4.1 bar", on ticket: String = "T1-central") -> Op {
    Op(
        id: OpID(replica: ReplicaID(replica)!, counter: counter), wallMillis: 1_780_000_000_000 + counter * 1000, logical: 0,
        subject: EntityID(ticket)!, body: .note(Note(text: text, at: 1_780_000_000_000 + counter * 1000)))
}

/// Every op after `cursor`, page by page; and the cursor after the last.
func readAll(_ log: OpLog, from cursor: OpLogCursor = .start, pageSize: Int = 1_000) async throws -> ([Op], OpLogCursor) {
    var ops: [Op] = []
    var cursor = cursor
    while true {
        let page = try await log.page(after: cursor, limit: pageSize)
        ops += page.ops
        cursor = page.next
        if !page.more { return (ops, cursor) }
    }
}

/// Ops after `cursor`, read again and again until `count` have come or 10 s passed: the
/// horizon is the whole cluster's, and tests running beside this one hold transactions open.
func readUntil(_ log: OpLog, count: Int, from cursor: OpLogCursor = .start) async throws -> [Op] {
    var ops: [Op] = []
    var cursor = cursor
    let deadline = ContinuousClock.now + .seconds(10)
    while ops.count < count, ContinuousClock.now < deadline {
        let (more, next) = try await readAll(log, from: cursor)
        ops += more
        cursor = next
        if ops.count < count { try await Task.sleep(for: .milliseconds(50)) }
    }
    return ops
}

/// Waits until `flag()` holds, polling (a test's rendezvous between two sessions); after
/// 20 s the test fails instead of waiting for ever.
func until(_ flag: @Sendable () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(20)
    while await !flag() {
        guard ContinuousClock.now < deadline else { throw TimedOut() }
        try await Task.sleep(for: .milliseconds(10))
    }
}

struct TimedOut: Error {}

actor Flag {
    private(set) var isSet = false
    func set() { isSet = true }
}

/// The central op log on PostgreSQL: appends, pages, cursors, and the visibility horizon
/// that keeps a cursor from skipping an op committed late by another node.
@Suite struct OpLogTests {
    @Test func opsComeBackInOrderPageByPageAndAnAppendIsIdempotent() async throws {
        try await withCentral { _, log, _ in
            let ops = (1...25).map { note("e1-tab", $0) } + (1...10).map { note("e2-tab", $0, "电容 更换") }
            #expect(try await log.append(ops) == Array(repeating: true, count: 35))
            _ = try await readUntil(log, count: 35)
            let (read, end) = try await readAll(log, pageSize: 7)
            #expect(read == ops)
            // Sent again (a retry): acknowledged, nothing stored twice.
            #expect(try await log.append(Array(ops[20..<30])) == Array(repeating: false, count: 10))
            #expect(try await readAll(log).0 == ops)
            #expect(try await log.page(after: end, limit: 10).ops.isEmpty)
            // The cursor a device keeps: bytes that come back whole.
            #expect(try OpLogCursor(encoded: end.encoded) == end)
        }
    }

    @Test func anOpReusingAnIdIsRefusedAndNothingOfItsAppendIsStored() async throws {
        try await withCentral { _, log, _ in
            try await log.append([note("e1-tab", 1, "first")])
            await #expect {
                try await log.append([note("e1-tab", 2), note("e1-tab", 1, "something else")])
            } throws: { error in
                (error as? CentralError)?.code == .conflictingOp && "\(error)".contains("reused a counter")
            }
            try await log.append([note("e1-tab", 3, "after")])
            #expect(try await readUntil(log, count: 2).map(\.id) == [note("e1-tab", 1).id, note("e1-tab", 3).id])
        }
    }

    @Test(arguments: [[UInt8]([3]), [2] + [UInt8](repeating: 0, count: 16), [3] + [UInt8](repeating: 0xFF, count: 16), [UInt8](repeating: 3, count: 18)])
    func aCursorThisLogDidNotGiveIsRefused(_ bytes: [UInt8]) {
        #expect(throws: CentralError.self) { try OpLogCursor(encoded: bytes) }
    }

    /// Two nodes commit in the unlucky order while a third pulls: node A's op takes the
    /// lower sequence number but commits after node B's. A cursor of "seq > N" would pass
    /// B's op, then never see A's. Through the horizon, the reader gets both, once each.
    @Test func aLateCommitIsNotSkippedByAReaderPastIt() async throws {
        try await withCentral { _, log, database in
            try await withClient(database) { clientA in
                try await withClient(database) { clientB in
                    let nodeA = OpLog(client: clientA, logger: testLogger)
                    let nodeB = OpLog(client: clientB, logger: testLogger)
                    let inserted = Flag()
                    let release = Flag()
                    // A inserts first (lower seq, lower xid) and holds its transaction open.
                    // A child task (not `Task {}`): it keeps the test's executor (DedicatedExecutor).
                    async let a = nodeA.append([note("e1-tab", 1, "from node A")]) {
                        await inserted.set()
                        try await until { await release.isSet }
                    }
                    try await until { await inserted.isSet }
                    // B inserts after it and commits at once.
                    try await nodeB.append([note("e2-tab", 1, "from node B")])
                    // The reader pulls now: B's op is committed, A's is not.
                    let (early, cursor) = try await readAll(log)
                    await release.set()
                    _ = try await a
                    let late = try await readUntil(log, count: 2 - early.count, from: cursor)
                    let seen = (early + late).map(\.id)
                    #expect(seen.count == 2, "read: \(seen)")
                    #expect(Set(seen) == [note("e1-tab", 1).id, note("e2-tab", 1).id], "read early \(early.map(\.id)), late \(late.map(\.id))")
                }
            }
        }
    }

    @Test func theOldestOpenTransactionIsMeasured() async throws {
        try await withCentral { _, log, database in
            #expect(try await log.oldestTransactionSeconds() < 5)
            try await withClient(database) { other in
                let holding = Flag()
                let release = Flag()
                async let held = OpLog(client: other, logger: testLogger).append([note("e3-tab", 1)]) {
                    await holding.set()
                    try await until { await release.isSet }
                }
                try await until { await holding.isSet }
                try await Task.sleep(for: .milliseconds(1_200))
                let age = try await log.oldestTransactionSeconds()
                await release.set()
                _ = try await held
                #expect(age >= 1 && age < 10, "age \(age)")
            }
        }
    }
}
