import FieldModel
import FieldStore
import Testing

/// Pushes and pulls, on both backends: scope, quarantine, resends, ownership, and the
/// refusals that leave a store as it was.
@Suite struct SyncConformanceTests {
    typealias F = SyncFixtures

    @Test(arguments: Backend.allCases)
    func anEngineerPullsTheirTicketsAndATicketAssignedLaterArrivesWhole(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let t1 = F.created(F.desk, 1, "T1-pump", assignee: "E17")
            let t2 = F.created(F.desk, 2, "T2-boiler", assignee: "E18")
            let pushed = try await F.ingest(store, [t1, t2, F.note(F.desk, 3, on: "T2-boiler")], from: F.dispatcher, replica: F.desk)
            #expect(pushed.inserted == 3 && pushed.acked[F.desk] == 3 && pushed.quarantined.isEmpty)

            let (first, cursor) = try await F.pull(store, F.e17, as: F.tab17, atLeast: 1)
            #expect(first == [t1])
            let (others, _) = try await F.pull(store, F.e18, as: F.tab18, atLeast: 2)
            #expect(Set(others.map(\.id)) == [t2.id, OpID(replica: F.desk, counter: 3)])

            // T2 is reassigned to E17: its whole history comes with the assignment.
            let reassign = F.assign(F.desk, 4, "T2-boiler", to: "E17", replacing: [t2.id])
            _ = try await F.ingest(store, [reassign], from: F.dispatcher, replica: F.desk)
            let (next, end) = try await F.pull(store, F.e17, as: F.tab17, from: cursor, atLeast: 3)
            #expect(Set(next.map(\.id)) == [t2.id, OpID(replica: F.desk, counter: 3), reassign.id])
            #expect(next.last == reassign)
            // Nothing more, and nothing twice.
            let (again, _) = try await F.pull(store, F.e17, as: F.tab17, from: end, atLeast: 0)
            #expect(again.isEmpty)

            // A device never gets its own ops back.
            let mine = F.note(F.tab17, 1, on: "T1-pump")
            #expect(try await F.ingest(store, [mine], from: F.e17, replica: F.tab17).inserted == 1)
            let (desk, _) = try await F.pull(store, F.dispatcher, as: F.desk, atLeast: 1)
            #expect(desk == [mine])
            let (own, _) = try await F.pull(store, F.e17, as: F.tab17, from: end, atLeast: 0)
            #expect(own.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func anOpOnATicketNotAssignedIsQuarantinedUntilItIs(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let t2 = F.created(F.desk, 1, "T2-boiler", assignee: "E18")
            _ = try await F.ingest(store, [t2], from: F.dispatcher, replica: F.desk)
            let stray = F.note(F.tab17, 1, on: "T2-boiler", "wrong ticket")
            let pushed = try await F.ingest(store, [stray], from: F.e17, replica: F.tab17)
            #expect(pushed.quarantined == [stray.id] && pushed.inserted == 0)
            // Held (the device need not resend it), listed for dispatch, and served to no one.
            #expect(pushed.acked[F.tab17] == 1)
            let held = try await store.quarantine()
            #expect(held.map(\.op) == [stray])
            #expect(held.first?.principal == "E17" && held.first?.reason.contains("not assigned to E17") == true)
            let marker = F.note(F.desk, 2, on: "T2-boiler", "marker")
            _ = try await F.ingest(store, [marker], from: F.dispatcher, replica: F.desk)
            let (seen, _) = try await F.pull(store, F.e18, as: F.tab18, atLeast: 2)
            #expect(seen == [t2, marker])

            // Resent while quarantined: a duplicate; resent changed: refused.
            #expect(try await F.ingest(store, [stray], from: F.e17, replica: F.tab17).duplicates == 1)
            await #expect(throws: StoreError.self) {
                try await F.ingest(store, [F.note(F.tab17, 1, on: "T2-boiler", "rewritten")], from: F.e17, replica: F.tab17)
            }

            // Assigned to E17 now: the op joins the ticket.
            let assign = F.assign(F.desk, 3, "T2-boiler", to: "E17", replacing: [t2.id])
            #expect(try await F.ingest(store, [assign], from: F.dispatcher, replica: F.desk).inserted == 2)
            #expect(try await store.quarantine().isEmpty)
            let (after, _) = try await F.pull(store, F.e18, as: F.tab18, atLeast: 4)
            #expect(Set(after.map(\.id)) == [t2.id, marker.id, stray.id, assign.id])
        }
    }

    @Test(arguments: Backend.allCases)
    func resendsAreAcknowledgedOnceAndRefusalsChangeNothing(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            _ = try await F.ingest(store, [F.created(F.desk, 1, "T1-pump", assignee: "E17")], from: F.dispatcher, replica: F.desk)
            let ops = (1...3).map { F.note(F.tab17, $0, on: "T1-pump", "reading \($0)") }
            #expect(try await F.ingest(store, ops, from: F.e17, replica: F.tab17).inserted == 3)
            let resent = try await F.ingest(store, ops, from: F.e17, replica: F.tab17)
            #expect(resent.inserted == 0 && resent.duplicates == 3 && resent.acked[F.tab17] == 3)

            let refused: [(String, [Op], StoreError.Code)] = [
                ("a reused counter", [F.note(F.tab17, 2, on: "T1-pump", "other text")], .conflictingOp),
                ("a gap", [F.note(F.tab17, 5, on: "T1-pump")], .counterGap),
                ("two ops under one id", [F.note(F.tab17, 4, on: "T1-pump", "a"), F.note(F.tab17, 4, on: "T1-pump", "b")], .conflictingOp),
                ("a gap after a good op", [F.note(F.tab17, 4, on: "T1-pump"), F.note(F.tab17, 6, on: "T1-pump")], .counterGap),
                ("a stamp a day ahead", [F.op(F.tab17, 4, on: "T1-pump", .note(Note(text: "x", at: F.now + 86_400_000 * 3)))], .futureStamp),
                ("a counter of 0", [F.note(F.tab17, 0, on: "T1-pump")], .invalidOp),
            ]
            for (what, push, code) in refused {
                var ops = push
                if what == "a stamp a day ahead" {
                    ops = [Op(id: push[0].id, wallMillis: F.now + 86_400_000 * 3, logical: 0, subject: push[0].subject, body: push[0].body)]
                }
                #expect(await F.refusal { try await F.ingest(store, ops, from: F.e17, replica: F.tab17) } == code, "\(what)")
            }
            let huge = F.op(F.tab17, 4, on: "T1-pump", .attachmentAdded(Attachment(
                kind: .photo, sha256: Digest(bytes: [UInt8](repeating: 7, count: 32))!, byteSize: .max, mediaType: "image/jpeg")))
            await #expect(throws: StoreError.self) { try await F.ingest(store, [huge], from: F.e17, replica: F.tab17) }
            #expect(try await store.held(of: [F.tab17, F.tab18]) == [F.tab17: 3, F.tab18: 0])
            #expect(try await store.ownOps(of: F.tab17, from: 1, limit: 100) == ops)
            #expect(try await store.ownOps(of: F.tab17, from: 2, limit: 1) == [ops[1]])
            #expect(try await store.ownOps(of: F.tab17, from: .max, limit: .max).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func aReplicaBelongsToItsFirstPusher(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            _ = try await F.ingest(store, [F.created(F.desk, 1, "T1-pump", assignee: "E17")], from: F.dispatcher, replica: F.desk)
            _ = try await F.ingest(store, [F.note(F.tab17, 1, on: "T1-pump")], from: F.e17, replica: F.tab17)
            #expect(try await store.owner(of: F.tab17) == "E17")
            #expect(try await store.owner(of: F.tab18) == nil)
            // E18 syncing under E17's device; E18's device pushing ops of another's id.
            for (pusher, device, op) in [
                (F.e18, F.tab17, F.note(F.tab17, 2, on: "T1-pump")),
                (F.e18, F.tab18, F.note(F.tab17, 2, on: "T1-pump")),
                (F.e18, F.tab18, F.note(ReplicaID("e17-phone")!, 1, on: "T1-pump")),
                (F.e17, F.tab17, F.note(F.desk, 2, on: "T1-pump")),
            ] {
                #expect(await F.refusal { try await F.ingest(store, [op], from: pusher, replica: device) } == .forbidden, "\(pusher.name) as \(device): \(op.id)")
            }
            #expect(try await store.held(of: [F.tab17, F.desk, ReplicaID("e17-phone")!]) == [F.tab17: 1, F.desk: 1, ReplicaID("e17-phone")!: 0])
            #expect(try await store.owner(of: F.tab18) == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func aCursorFromAnotherHistoryStartsOverAndGarbageIsRefused(_ backend: Backend) async throws {
        try await withNodeStore(backend) { other, _ in
            let pushed = (1...4).map { F.created(F.desk, $0, "T\($0)-other", assignee: "E17") }
            _ = try await F.ingest(other, pushed, from: F.dispatcher, replica: F.desk)
            let (_, foreign) = try await F.pull(other, F.e17, as: F.tab17, atLeast: 4)
            try await withNodeStore(backend) { store, _ in
                let mine = F.created(F.desk, 1, "T1-pump", assignee: "E17")
                _ = try await F.ingest(store, [mine], from: F.dispatcher, replica: F.desk)
                _ = try await F.pull(store, F.e17, as: F.tab17, atLeast: 1)
                let page = try await store.pull(for: F.e17, requester: F.tab17, cursor: foreign, limit: 10)
                #expect(page.restarted)
                #expect(page.ops == [mine])
                for garbage: [UInt8] in [[0xFF], [9] + [UInt8](repeating: 0, count: 16), [UInt8](repeating: 0xFF, count: 4_096)] {
                    await #expect(throws: StoreError.self) { try await store.pull(for: F.e17, requester: F.tab17, cursor: garbage, limit: 10) }
                }
                // A limit of 0 or less still makes progress; a huge one is bounded.
                let small = try await store.pull(for: F.dispatcher, requester: F.tab17, cursor: [], limit: 0)
                #expect(small.ops.count <= 1)
                #expect(try await store.pull(for: F.dispatcher, requester: F.tab17, cursor: [], limit: .max).more == false)
            }
        }
    }

    /// A central that moved from SQLite to PostgreSQL (or back) keeps its devices: the
    /// other backend's cursor starts a device over instead of refusing its sync.
    @Test func aCursorFromTheOtherBackendStartsOver() async throws {
        for (from, to) in [(Backend.sqlite, Backend.postgres), (.postgres, .sqlite)] {
            try await withNodeStore(from) { old, _ in
                _ = try await F.ingest(old, [F.created(F.desk, 1, "T1-pump", assignee: "E17")], from: F.dispatcher, replica: F.desk)
                let (_, cursor) = try await F.pull(old, F.e17, as: F.tab17, atLeast: 1)
                try await withNodeStore(to) { new, _ in
                    let t2 = F.created(F.desk, 1, "T2-boiler", assignee: "E17")
                    _ = try await F.ingest(new, [t2], from: F.dispatcher, replica: F.desk)
                    _ = try await F.pull(new, F.e17, as: F.tab17, atLeast: 1)
                    let page = try await new.pull(for: F.e17, requester: F.tab17, cursor: cursor, limit: 100)
                    #expect(page.restarted, "\(from) → \(to)")
                    #expect(page.ops == [t2], "\(from) → \(to)")
                }
            }
        }
    }
}
