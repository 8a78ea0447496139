import FieldModel
import FieldStore
import Testing

/// Knowledge-base articles on both backends: an article is in an engineer's scope while it
/// fits a ticket in their scope (the model's rule), in every device's while it is for
/// everyone; a pull sends the whole history of what entered and names what left.
@Suite struct ArticleConformanceTests {
    typealias F = SyncFixtures
    typealias A = ArticleFixtures

    @Test(arguments: Backend.allCases)
    func anArticleReachesTheEngineerWhoseTicketItFitsAndNoOther(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            // Published before any ticket needs it, and after.
            let x2 = A.publish(1, "x2-service", models: [" x2 "])
            let z9 = A.publish(2, "z9-service", models: ["Z9"])
            _ = try await F.ingest(store, [x2, z9], from: F.dispatcher, replica: F.desk)
            let t1 = A.ticket(3, "T1-chiller", model: "X2", fault: "trips", assignee: "E17")
            let t2 = A.ticket(4, "T2-boiler", model: "B1", fault: "Burner noise at start", assignee: "E18")
            _ = try await F.ingest(store, [t1, t2], from: F.dispatcher, replica: F.desk)
            let burner = A.publish(5, "burner", keywords: ["BURNER"])
            _ = try await F.ingest(store, [burner], from: F.dispatcher, replica: F.desk)

            let e17 = try await A.pull(store, F.e17, as: F.tab17, atLeast: 2)
            #expect(e17.ids == [t1.id, x2.id])
            let e18 = try await A.pull(store, F.e18, as: F.tab18, atLeast: 2)
            #expect(e18.ids == [t2.id, burner.id])
            #expect(e17.left.isEmpty && e18.left.isEmpty)

            // T2 is assigned to E17 as well: its history and its article come whole. E18
            // keeps both (a ticket ever assigned stays in scope, and with it its articles).
            let reassign = F.assign(F.desk, 6, "T2-boiler", to: "E17", replacing: [t2.id])
            _ = try await F.ingest(store, [reassign], from: F.dispatcher, replica: F.desk)
            let next = try await A.pull(store, F.e17, as: F.tab17, from: e17.cursor, atLeast: 3)
            #expect(next.ids == [t2.id, reassign.id, burner.id])
            let e18next = try await A.pull(store, F.e18, as: F.tab18, from: e18.cursor, atLeast: 1)
            #expect(e18next.ids == [reassign.id] && e18next.left.isEmpty)
            // z9 fits no ticket: it stays at central, which sees everything.
            let desk = try await A.pull(store, F.dispatcher, as: F.tab18, atLeast: 6)
            #expect(desk.articles == ["x2-service", "z9-service", "burner"])
        }
    }

    @Test(arguments: Backend.allCases)
    func anArticleLeavesWhenRetiredOrNoTicketFitsItAndComesBackWhole(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let t1 = A.ticket(1, "T1-chiller", model: "X2", fault: "trips on start", assignee: "E17")
            let x2 = A.publish(2, "x2-service", models: ["X2"])
            let trip = A.publish(3, "trip-guide", keywords: ["Trips"])
            _ = try await F.ingest(store, [t1, x2, trip], from: F.dispatcher, replica: F.desk)
            let first = try await A.pull(store, F.e17, as: F.tab17, atLeast: 3)
            #expect(first.articles == ["x2-service", "trip-guide"])

            // Retired; and the ticket's fault changes so the keyword no longer fits.
            let retired = A.retire(4, "x2-service")
            let fault = A.set(5, "T1-chiller", Field.fault, "leaks water", replacing: [t1.id])
            _ = try await F.ingest(store, [retired, fault], from: F.dispatcher, replica: F.desk)
            let gone = try await A.pull(store, F.e17, as: F.tab17, from: first.cursor, atLeast: 1, leftAtLeast: 2)
            #expect(Set(gone.left) == [A.id("x2-service"), A.id("trip-guide")])
            #expect(gone.ids == [fault.id], "the retirement goes to no device: the article left")

            // Published again: it comes back with its whole history, as to a device that
            // never had it; and a ticket edit that fits again brings the other back.
            let again = A.publish(6, "x2-service", version: 2, models: ["x2"])
            let refit = A.set(7, "T1-chiller", Field.fault, "trips again", replacing: [fault.id])
            _ = try await F.ingest(store, [again, refit], from: F.dispatcher, replica: F.desk)
            let back = try await A.pull(store, F.e17, as: F.tab17, from: gone.cursor, atLeast: 5)
            #expect(back.ids == [x2.id, retired.id, again.id, trip.id, refit.id])
            #expect(back.left.isEmpty)
            let quiet = try await A.pull(store, F.e17, as: F.tab17, from: back.cursor, atLeast: 0)
            #expect(quiet.ops.isEmpty && quiet.left.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func anArticleForEveryoneReachesEveryDeviceUntilItIsNotForEveryone(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let safety = A.publish(1, "safety", everyone: true)
            _ = try await F.ingest(store, [safety], from: F.dispatcher, replica: F.desk)
            // E17 has no ticket at all.
            let e17 = try await A.pull(store, F.e17, as: F.tab17, atLeast: 1)
            let e18 = try await A.pull(store, F.e18, as: F.tab18, atLeast: 1)
            #expect(e17.ids == [safety.id] && e18.ids == [safety.id])

            // A new version fits E18's ticket only: it leaves E17, E18 keeps it.
            let t2 = A.ticket(2, "T2-boiler", model: "B1", fault: "noise", assignee: "E18")
            let narrowed = A.publish(3, "safety", version: 2, models: ["b1"])
            _ = try await F.ingest(store, [t2, narrowed], from: F.dispatcher, replica: F.desk)
            let left = try await A.pull(store, F.e17, as: F.tab17, from: e17.cursor, atLeast: 0, leftAtLeast: 1)
            #expect(left.left == [A.id("safety")] && left.ops.isEmpty)
            // It entered E18's own scope (through T2): its history comes again, as an entry
            // does (applying it twice changes nothing), and nothing is named as left.
            let kept = try await A.pull(store, F.e18, as: F.tab18, from: e18.cursor, atLeast: 3)
            #expect(kept.ids == [t2.id, safety.id, narrowed.id] && kept.left.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func resentArticlesChangeNothingAndAreSentOnce(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let t1 = A.ticket(1, "T1-chiller", model: "X2", fault: "trips", assignee: "E17")
            let v1 = A.publish(2, "x2-service", models: ["X2"])
            let v2 = A.publish(3, "x2-service", version: 2, models: ["X2"])
            let push = [t1, v1, v2]
            #expect(try await F.ingest(store, push, from: F.dispatcher, replica: F.desk).inserted == 3)
            let first = try await A.pull(store, F.e17, as: F.tab17, atLeast: 3)
            #expect(first.ids == [t1.id, v1.id, v2.id])
            for _ in 0..<2 {
                let resent = try await F.ingest(store, push, from: F.dispatcher, replica: F.desk)
                #expect(resent.inserted == 0 && resent.duplicates == 3)
            }
            // A marker proves the pull below is past every resend.
            let marker = F.note(F.desk, 4, on: "T1-chiller", "marker")
            _ = try await F.ingest(store, [marker], from: F.dispatcher, replica: F.desk)
            let after = try await A.pull(store, F.e17, as: F.tab17, from: first.cursor, atLeast: 1)
            #expect(after.ids == [marker.id] && after.left.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func hostileArticlesReachNoOneTheyShouldNot(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let t1 = A.ticket(1, "T1-chiller", model: "X2", fault: "trips", assignee: "E17")
            // Retired without ever being published; a kind no one knows, naming E17's model;
            // keywords that are wildcards or SQL in another engine; a version of 2^64 - 1.
            let ghost = A.retire(2, "never-published")
            let gadget = Op(
                id: OpID(replica: F.desk, counter: 3), wallMillis: F.now + 3_000, logical: 0, subject: EntityID("gadget:x2")!,
                body: .entity(EntityOp(ArticlePublished(version: 1, title: "Not an article", body: "-", deviceModels: ["X2"]))))
            let wild = A.publish(4, "wild", keywords: ["%", "_", "*", "'; DROP TABLE ops; --", "t%s"])
            let huge = A.publish(5, "huge", version: .max, models: ["X2"])
            let pushed = try await F.ingest(store, [t1, ghost, gadget, wild, huge], from: F.dispatcher, replica: F.desk)
            #expect(pushed.inserted == 5 && pushed.quarantined.isEmpty)

            let e17 = try await A.pull(store, F.e17, as: F.tab17, atLeast: 2)
            #expect(e17.ids == [t1.id, huge.id])
            #expect(e17.ops.last == huge, "the version of 2^64 - 1 arrives as it was published")
            // Central keeps and forwards every one of them.
            let desk = try await A.pull(store, F.dispatcher, as: F.tab18, atLeast: 5)
            #expect(desk.ids == [t1.id, ghost.id, gadget.id, wild.id, huge.id])

            // An engineer may not publish: the op is quarantined, and reaches no one.
            let forged = Op(
                id: OpID(replica: F.tab17, counter: 1), wallMillis: F.now, logical: 0, subject: A.id("forged"),
                body: .entity(EntityOp(ArticlePublished(version: 1, title: "Forged", body: "-", everyone: true))))
            let refused = try await F.ingest(store, [forged], from: F.e17, replica: F.tab17)
            #expect(refused.quarantined == [forged.id] && refused.inserted == 0)
            let marker = F.note(F.desk, 6, on: "T1-chiller", "marker")
            _ = try await F.ingest(store, [marker], from: F.dispatcher, replica: F.desk)
            let e18 = try await A.pull(store, F.e18, as: F.tab18, atLeast: 0)
            #expect(e18.ops.isEmpty)
            let after = try await A.pull(store, F.e17, as: F.tab17, from: e17.cursor, atLeast: 1)
            #expect(after.ids == [marker.id])
        }
    }
}
