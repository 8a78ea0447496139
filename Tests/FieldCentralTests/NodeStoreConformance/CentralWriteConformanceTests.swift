import FieldModel
import FieldStore
import Testing

/// The central replica's own writes (what `fieldsync-node ticket …` and `kb import` record),
/// on both backends: made with the central's next counters and a clock that only moves on,
/// stored and materialised as a push is, and read back as admin commands read them.
@Suite struct CentralWriteConformanceTests {
    typealias F = SyncFixtures
    typealias A = ArticleFixtures

    static func created(assignee: String, model: String = "X2", fault: String = "trips") -> TicketCreated {
        TicketCreated(customer: "Acme", site: "Plant 3", deviceModel: model, category: "repair", fault: fault, assignee: assignee, at: F.now)
    }

    @Test(arguments: Backend.allCases)
    func centralWritesReachTheEngineerAndReadBack(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let made = try await store.writeAsCentral([.createTicket(Self.created(assignee: "E17"))], now: F.now)
            let ticket = try #require(made.first?.subject)
            let central = try #require(made.first?.id.replica)
            #expect(made.first?.id.counter == 1)
            let guide = ArticlePublished(version: .max, title: "X2 service", body: "Steps.", deviceModels: ["x2"], images: [Digest(bytes: [UInt8](repeating: 9, count: 32))!])
            let publish = try await store.writeAsCentral([.onEntity(A.id("x2"), guide), .onEntity(A.id("other"), ArticlePublished(version: 1, title: "Other", body: "-"))], now: F.now)
            #expect(publish.map(\.id.counter) == [2, 3])

            // Reassigned, from the ticket as it stands (the assignment replaces E17's value).
            let moved = try await store.writeAsCentral([.onTicket(ticket, { t, now in t.assigning(to: "E18", at: now) })], now: F.now)
            #expect(moved.map(\.id.counter) == [4])
            #expect(try await store.ticket(ticket)?.value(Field.assignee) == "E18")
            #expect(try await store.tickets().map(\.id) == [ticket.rawValue])
            #expect(try await store.tickets().first?.assignee == "E18")
            #expect(try await store.held(of: [central]) == [central: 4])
            // Stamps only move on, counter by counter.
            let all = made + publish + moved
            #expect(zip(all, all.dropFirst()).allSatisfy { $0.stamp < $1.stamp })

            // E18 gets the ticket whole, with the article its model fits.
            let e18 = try await A.pull(store, F.e18, as: F.tab18, atLeast: 3)
            #expect(e18.ids == [made[0].id, moved[0].id, publish[0].id])

            // Read back as kb list and kb show read it, the version of 2^64 - 1 whole.
            let articles = try await store.articles()
            #expect(articles.map(\.name) == ["other", "x2"])
            let x2 = try #require(try await store.article(A.id("x2")))
            #expect(x2.version == guide && !x2.retired)
            #expect(try await store.article(A.id("missing")) == nil)
            _ = try await store.writeAsCentral([.onEntity(A.id("x2"), ArticleRetired())], now: F.now)
            #expect(try await store.article(A.id("x2"))?.retired == true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aRefusedCentralWriteRecordsNothing(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let made = try await store.writeAsCentral([.createTicket(Self.created(assignee: "E17"))], now: F.now)
            let central = try #require(made.first?.id.replica)
            let cases: [(String, [CentralWrite], StoreError.Code)] = [
                ("an unknown ticket", [.createTicket(Self.created(assignee: "E18")), .onTicket(EntityID("T9-nowhere")!, { _, _ in .note(Note(text: "x", at: F.now)) })], .unknownTicket),
                ("an article op on a ticket's id", [.onEntity(made[0].subject, ArticleRetired())], .invalidOp),
                ("an article of version 0", [.onEntity(A.id("zero"), ArticlePublished(version: 0, title: "Zero", body: "-"))], .invalidOp),
            ]
            for (what, writes, code) in cases {
                #expect(await F.refusal { try await store.writeAsCentral(writes, now: F.now) } == code, "\(what)")
            }
            #expect(try await store.held(of: [central]) == [central: 1])
            #expect(try await store.tickets().count == 1)
            #expect(try await store.articles().isEmpty)
            // The next write takes the next counter: nothing refused used one.
            let next = try await store.writeAsCentral([.onEntity(A.id("a"), ArticlePublished(version: 1, title: "A", body: "-"))], now: F.now)
            #expect(next.map(\.id.counter) == [2])
        }
    }

    @Test(arguments: Backend.allCases)
    func writersAsTheCentralAtOnceNeverReuseACounter(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let first = try await store.writeAsCentral([.createTicket(Self.created(assignee: "E17"))], now: F.now)
            let ticket = first[0].subject
            // Eight writers at once, each recording three ops on the same ticket.
            let batches = try await withThrowingTaskGroup(of: [Op].self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        try await store.writeAsCentral(
                            (0..<3).map { i in .onTicket(ticket, { _, now in .note(Note(text: "writer \(writer) note \(i)", at: now)) }) },
                            now: F.now + UInt64(writer))
                    }
                }
                var out: [[Op]] = []
                for try await batch in group { out.append(batch) }
                return out
            }
            let counters = batches.flatMap { $0.map(\.id.counter) }.sorted()
            #expect(counters == Array(2...25))
            let central = first[0].id.replica
            #expect(try await store.held(of: [central]) == [central: 25])
            #expect(try await store.ticket(ticket)?.notes.count == 24)
            // The clock only moved on: later counters, later stamps.
            let all = (first + batches.flatMap { $0 }).sorted { $0.id.counter < $1.id.counter }
            #expect(zip(all, all.dropFirst()).allSatisfy { $0.stamp < $1.stamp })
        }
    }
}
