import FieldModel
import FieldStore
import FieldTestSupport
import FieldWire
import Foundation
import GRDB
import Testing

/// Damage in a replica file is found by `check` and refused by every read, never passed
/// on: flipped bytes in ops' payloads and checksums, tampered ticket rows, an op that
/// arrives unlike its checksum, and the migration that gives old rows their checksums.
@Suite struct ReplicaCheckTests {
    static let now: UInt64 = 1_795_424_400_000

    /// Valid random ops of every kind with distinct ids, plus hostile ones: the largest
    /// counter, the longest note, an empty unknown payload.
    static func randomOps(seed: UInt64, count: Int = 30) -> [Op] {
        var rng = SeededRandom(seed: seed)
        var seen: Set<OpID> = []
        var ops = RandomOps.make(count, &rng).filter { op in
            (try? op.validate()) != nil && seen.insert(op.id).inserted
        }
        let r = ReplicaID("x-\(seed)")!
        let t = EntityID("T\(seed)-hostile")!
        ops += [
            Op(id: OpID(replica: r, counter: .max), wallMillis: now, logical: .max, subject: t,
               body: .note(Note(text: String(repeating: "é", count: Op.maxTextBytes / 2), at: now))),
            Op(id: OpID(replica: r, counter: 1), wallMillis: 0, logical: 0, subject: t,
               body: .unknown(UnknownOp(kind: OpKind(rawValue: .max), payload: []))),
        ]
        return ops
    }

    /// A writable connection beside the store's, as damage would come: under its feet.
    static func raw(_ r: TempReplica) throws -> DatabaseQueue { try DatabaseQueue(path: r.store.path) }

    static func check(_ r: TempReplica) throws -> CheckReport {
        try ReplicaCheck.run(path: r.store.path, quick: false, device: true)
    }

    @Test("flipping any byte of an op's stored payload or checksum is found and names that op, over random ops of every kind")
    func everyFlippedByteIsFound() throws {
        var kindsHit: Set<UInt64> = []
        for seed in 1...UInt64(24) {
            let r = try TempReplica()
            let ops = Self.randomOps(seed: seed)
            try r.store.apply(ops, now: Self.now)
            #expect(try Self.check(r).isClean, "seed \(seed): a fresh replica is clean")
            let db = try Self.raw(r)
            // One op per seed, cycling through the kinds present (known kinds, then unknown).
            let rows = try db.read { try Row.fetchAll($0, sql: "SELECT seq, kind, payload, checksum FROM ops ORDER BY seq") }
            let kinds = Array(Set(rows.map { min(UInt64(bitPattern: $0[1]), 8) })).sorted()
            let kind = kinds[Int(seed) % kinds.count]
            let row = try #require(rows.first { min(UInt64(bitPattern: $0[1]), 8) == kind })
            kindsHit.insert(kind)
            let seq: Int64 = row[0]
            let payload = [UInt8](row[2] as Data)
            let checksum: Int64 = row[3]
            var rng = SeededRandom(seed: seed &* 7919)
            // Every position of short payloads; 32 random ones of long ones.
            let positions = payload.count <= 48 ? Array(payload.indices)
                : (0..<32).map { _ in Int.random(in: payload.indices, using: &rng) }
            for i in positions {
                var damaged = payload
                damaged[i] ^= UInt8.random(in: 1...255, using: &rng)
                try db.write { try $0.execute(sql: "UPDATE ops SET payload = ? WHERE seq = ?", arguments: [Data(damaged), seq]) }
                let report = try Self.check(r)
                #expect(report.damagedOps.map(\.seq) == [seq], "seed \(seed), kind \(kind): payload byte \(i) of \(payload.count)")
                #expect(!report.isClean)
            }
            for byte in 0..<4 {
                let damaged = checksum ^ (Int64(UInt8.random(in: 1...255, using: &rng)) << (8 * byte))
                try db.write { try $0.execute(sql: "UPDATE ops SET payload = ?, checksum = ? WHERE seq = ?", arguments: [Data(payload), damaged, seq]) }
                let report = try Self.check(r)
                #expect(report.damagedOps.map(\.seq) == [seq], "seed \(seed), kind \(kind): checksum byte \(byte)")
            }
            try db.write { try $0.execute(sql: "UPDATE ops SET checksum = ? WHERE seq = ?", arguments: [checksum, seq]) }
            #expect(try Self.check(r).isClean, "seed \(seed): restored bytes are clean again")
        }
        #expect(kindsHit == Set(1...8), "every kind (8 = unknown) was damaged at least once")
    }

    @Test("a damaged unsynced op stops the push and the quick check by name; a fresh process refuses to show its ticket")
    func damagedOwnOpIsRefusedOnRead() throws {
        let r = try TempReplica()
        let (_, made) = try r.store.edit(now: Self.now) { e in
            let created = try e.createTicket(TicketCreated(
                customer: "Acme", site: "Plant 3", deviceModel: "X2", category: "repair", fault: "trips", assignee: "E17", at: Self.now))
            try e.record(.note(Note(text: "Condenser fan seized", at: Self.now)), on: created.subject)
        }
        let note = made[1]
        try r.store.quickCheck()
        #expect(try r.store.unacknowledged(after: 0, limit: 10) == made)
        try Self.raw(r).write { db in
            try db.execute(sql: "UPDATE ops SET payload = CAST(replace(CAST(payload AS TEXT), 'fan', 'fun') AS BLOB) WHERE counter = 2")
        }
        do {
            _ = try r.store.unacknowledged(after: 0, limit: 10)
            Issue.record("a damaged op was read for a push")
        } catch {
            #expect(error.code == .damaged)
            #expect(error.message.contains("op \(note.id)") && error.message.contains("fieldsync check"), "\(error)")
            #expect(!error.message.contains("Condenser"), "errors never carry ticket content")
        }
        #expect(throws: StoreError.self) { try r.store.quickCheck() }
        let reopened = try ReplicaStore.open(at: r.store.path)
        #expect(throws: StoreError.self) { try reopened.ticket(note.subject) }
        let report = try Self.check(r)
        #expect(report.damagedOps.map(\.id) == [note.id.description])
        #expect(report.unsyncedOps == made.map(\.id.description))
        #expect(report.ticketMismatches.map(\.ticket) == [note.subject.rawValue], "the ticket row held the note its ops no longer give")
    }

    @Test("the quick check looks at unsynced ops only: damage in a pulled op waits for the full check")
    func quickCheckScope() throws {
        let r = try TempReplica()
        let ops = Self.randomOps(seed: 99)
        try r.store.apply(ops, now: Self.now)
        try Self.raw(r).write { try $0.execute(sql: "UPDATE ops SET checksum = checksum + 1 WHERE seq = 1") }
        try r.store.quickCheck()
        let quick = try ReplicaCheck.run(path: r.store.path, quick: true, device: true)
        #expect(quick.isClean && quick.mode == "quick" && quick.opsChecked == 0)
        #expect(try Self.check(r).damagedOps.map(\.seq) == [1])
    }

    @Test("ticket rows are checked against their ops: a changed digest, a missing row")
    func ticketRowsAreChecked() throws {
        let r = try TempReplica()
        try r.store.apply(Self.randomOps(seed: 5), now: Self.now)
        let db = try Self.raw(r)
        let ids = try db.read { try String.fetchAll($0, sql: "SELECT id FROM tickets ORDER BY id") }
        try #require(ids.count >= 2)
        try db.write { db in
            try db.execute(sql: "UPDATE tickets SET digest = 'ff' || substr(digest, 3) WHERE id = ?", arguments: [ids[0]])
            try db.execute(sql: "DELETE FROM tickets WHERE id = ?", arguments: [ids[1]])
        }
        let report = try Self.check(r)
        #expect(report.damagedOps.isEmpty)
        #expect(Set(report.ticketMismatches.map(\.ticket)) == [ids[0], ids[1]])
        #expect(report.ticketMismatches.first { $0.ticket == ids[1] }?.stored == nil)
    }

    @Test("an op that arrives unlike the checksum it came with is refused by name, and nothing of the batch is stored")
    func sentChecksumIsChecked() throws {
        let r = try TempReplica()
        let ops = Self.randomOps(seed: 3, count: 5)
        var sums = ops.map(\.checksum)
        sums[1] = OpChecksum(rawValue: sums[1].rawValue ^ 1)
        do {
            try r.store.apply(ops, checksums: sums, now: Self.now)
            Issue.record("accepted an op unlike its checksum")
        } catch {
            #expect(error.code == .damaged && error.message.contains("op \(ops[1].id)"), "\(error)")
        }
        #expect(try r.store.opCount() == 0)
        #expect(throws: StoreError.self) { try r.store.apply(ops, checksums: Array(sums.prefix(2)), now: Self.now) }
        try r.store.apply(ops, checksums: ops.map(\.checksum), now: Self.now)
        #expect(try r.store.opCount() == ops.count)
    }

    @Test("the v5 migration gives every existing op the checksum of its content")
    func migrationComputesChecksums() throws {
        let r = try TempReplica()
        let ops = Self.randomOps(seed: 11)
        try r.store.apply(ops, now: Self.now)
        let db = try Self.raw(r)
        let before = try db.read { try Int64.fetchAll($0, sql: "SELECT checksum FROM ops ORDER BY seq") }
        #expect(before.count == ops.count)
        // Back to a replica from before checksums: the column and the migration's mark gone.
        try db.write { db in
            try db.execute(sql: "ALTER TABLE ops DROP COLUMN checksum")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v5-op-checksums'")
        }
        let old = try Self.check(r)
        #expect(old.isClean && old.opsChecked == ops.count, "a replica from before checksums checks clean (nothing to compare)")
        _ = try ReplicaStore.open(at: r.store.path)
        #expect(try db.read { try Int64.fetchAll($0, sql: "SELECT checksum FROM ops ORDER BY seq") } == before)
        #expect(try Self.check(r).isClean)
    }

    @Test("a row without a checksum (an older version wrote it) is reported; a file that is not SQLite is damage; no file is an error")
    func unusualFiles() throws {
        let r = try TempReplica()
        try r.store.apply(Self.randomOps(seed: 8, count: 3), now: Self.now)
        try Self.raw(r).write { try $0.execute(sql: "UPDATE ops SET checksum = NULL WHERE seq = 2") }
        #expect(try Self.check(r).damagedOps.map(\.problem) == [.noChecksum])
        let garbage = r.dir + "/garbage.sqlite"
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: garbage))
        let report = try ReplicaCheck.run(path: garbage, quick: false, device: true)
        #expect(!report.isClean && !report.integrity.isEmpty)
        #expect(throws: StoreError.self) { try ReplicaCheck.run(path: r.dir + "/nothing-here", quick: true, device: true) }
    }
}

extension ReplicaCheckTests {
    @Test("an op the log no longer returns for its ticket (its row moved to another subject) is caught by the ticket's digest")
    func missingOpIsCaughtByTheDigest() throws {
        let r = try TempReplica()
        let (_, made) = try r.store.edit(now: Self.now) { e in
            let created = try e.createTicket(TicketCreated(
                customer: "Acme", site: "Plant 3", deviceModel: "X2", category: "repair", fault: "trips", assignee: "E17", at: Self.now))
            try e.record(.note(Note(text: "Condenser fan seized", at: Self.now)), on: created.subject)
        }
        let id = made[0].subject
        #expect(try r.store.verifiedTicket(id)?.notes.count == 1)
        #expect(try r.store.verifiedTicket(EntityID("T9-nowhere")!) == nil)
        // As a damaged row header can leave it: the note's row answers for another ticket.
        try Self.raw(r).write { try $0.execute(sql: "UPDATE ops SET subject = 'T9-elsewhere' WHERE counter = 2") }
        let fresh = try ReplicaStore.open(at: r.store.path)
        // What `show` reads: a first read derives from the whole log and checks the digest.
        for verified in [false, true] {
            do throws(StoreError) {
                _ = verified ? try fresh.verifiedTicket(id) : try fresh.ticket(id)
                Issue.record("a ticket missing a note was shown as whole")
            } catch {
                #expect(error.code == .damaged && error.message.contains("ticket \(id)") && error.message.contains("fieldsync check"), "\(error)")
            }
        }
        let report = try Self.check(r)
        #expect(report.damagedOps.map(\.id) == [made[1].id.description])
        #expect(report.ticketMismatches.map(\.ticket) == [id.rawValue])
    }
}
