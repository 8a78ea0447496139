import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import Testing

/// A store written before photo references became one table (v11) and ticket facts moved
/// into the tickets' rows (v12) opens with nothing lost: the same downloads are allowed
/// and refused, and the same articles reach the same engineers. The old schema is put
/// back with the sqlite3 tool around rows the current code wrote, as an older node
/// would have left them. (Tools/test installs the sqlite3 tool: no machine skips this.)
@Suite struct SchemaUpgradeTests {
    let now: UInt64 = 1_795_424_400_000

    @discardableResult
    func sqlite(_ path: String, _ sql: String) throws -> String {
        let p = Process()
        let out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, sql]
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "sqlite3 failed on: \(sql)")
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Back to the tables of v10, holding what the current ones hold.
    func downgradeToV10(_ path: String) throws {
        try sqlite(
            path,
            """
            CREATE TABLE ticket_blobs (sha256 TEXT NOT NULL, ticket TEXT NOT NULL, size INTEGER NOT NULL,
                proven_before INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (sha256, ticket)) WITHOUT ROWID;
            CREATE TABLE blob_attachers (sha256 TEXT NOT NULL, ticket TEXT NOT NULL, replica TEXT NOT NULL,
                PRIMARY KEY (sha256, ticket, replica)) WITHOUT ROWID;
            INSERT OR IGNORE INTO ticket_blobs SELECT sha256, ticket, size, max(proven_before) FROM blob_refs GROUP BY sha256, ticket;
            INSERT INTO blob_attachers SELECT sha256, ticket, replica FROM blob_refs WHERE replica != '';
            DROP TABLE blob_refs;
            CREATE TABLE ticket_facts (ticket TEXT PRIMARY KEY NOT NULL, device_model TEXT NOT NULL, fault_code TEXT NOT NULL,
                fault TEXT NOT NULL) WITHOUT ROWID;
            CREATE INDEX ticket_facts_by_model ON ticket_facts (device_model);
            CREATE INDEX ticket_facts_by_code ON ticket_facts (fault_code);
            INSERT INTO ticket_facts SELECT id, fact_model, fact_code, fact_fault FROM tickets;
            DROP INDEX tickets_by_fact_model; DROP INDEX tickets_by_fact_code;
            ALTER TABLE tickets DROP COLUMN fact_model; ALTER TABLE tickets DROP COLUMN fact_code; ALTER TABLE tickets DROP COLUMN fact_fault;
            DELETE FROM grdb_migrations WHERE identifier IN ('v11-blob-references', 'v12-ticket-facts-in-tickets');
            """)
    }

    @Test("photo references and ticket facts written before v11 and v12 come through the upgrade whole")
    func upgradeKeepsReferencesAndFacts() throws {
        let dir = NSTemporaryDirectory() + "fieldsync-upgrade-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/node.sqlite"
        var desk = OpMaker(clock: HybridClock(replica: ReplicaID("d1-desk")!))
        var tablet = OpMaker(clock: HybridClock(replica: ReplicaID("e2-tablet")!))
        let created = desk.createTicket(
            TicketCreated(customer: "Acme", site: "Plant 3", deviceModel: "Chiller X2", category: "repair", fault: "Fan trips", assignee: "E2", at: now),
            now: now)
        let photo = SHA256.hash(Array("photo of the fan".utf8))
        let attached = tablet.make(
            .attachmentAdded(Attachment(kind: .photo, sha256: photo, byteSize: 4096, mediaType: "image/jpeg")), on: created.subject, now: now + 1)
        do {
            let store = try ReplicaStore.create(at: path, replica: ReplicaID("node-test")!, engineer: "dispatch")
            _ = try store.ingest([created], from: Principal(name: "D1", role: .dispatcher), replica: ReplicaID("d1-desk")!, now: now + 2)
            let pushed = try store.ingest([attached], from: Principal(name: "E2", role: .engineer), replica: ReplicaID("e2-tablet")!, now: now + 2)
            #expect(pushed.inserted == 1 && pushed.quarantined.isEmpty)
        }
        // As before v11 and v12, plus a reference from before attachers were recorded.
        try downgradeToV10(path)
        let old = SHA256.hash(Array("photo from before proofs".utf8))
        try sqlite(path, "INSERT INTO ticket_blobs (sha256, ticket, size, proven_before) VALUES ('\(old.hex)', '\(created.subject)', 10, 1)")
        #expect(try sqlite(path, "SELECT device_model, fault FROM ticket_facts") == "chiller x2|fan trips")

        let store = try ReplicaStore.open(at: path)
        let e2 = Principal(name: "E2", role: .engineer)
        let dispatch = Principal(name: "D1", role: .dispatcher)
        // The tablet's photo: E2's reference, so not until E2 proves holding it.
        #expect(try store.blobAccess(photo, for: e2) == .allowed(maxSize: 4096))
        #expect(try !store.mayDownload(photo, for: dispatch))
        try store.recordPossession(photo, principal: "E2", now: now)
        #expect(try store.mayDownload(photo, for: dispatch))
        // The reference from before proofs: proven, as it was.
        #expect(try store.mayDownload(old, for: e2))
        #expect(try !store.mayDownload(old, for: Principal(name: "E3", role: .engineer)))
        #expect(try sqlite(path, "SELECT count(*) FROM blob_refs") == "2")
        #expect(try sqlite(path, "SELECT name FROM sqlite_schema WHERE name IN ('ticket_blobs', 'blob_attachers', 'ticket_facts')") == "")

        // The facts moved with the ticket: an article for its model reaches its engineer.
        #expect(try sqlite(path, "SELECT fact_model, fact_fault FROM tickets") == "chiller x2|fan trips")
        let guide = EntityID(kind: Article.kind, name: "fan-capacitor")!
        _ = try store.edit(now: now + 3) { edit in
            try edit.record(ArticlePublished(version: 1, title: "Fan capacitor", body: "Swap it.", deviceModels: ["CHILLER X2"]), on: guide)
        }
        #expect(try sqlite(path, "SELECT principal FROM entity_scope WHERE entity = '\(guide)' AND left_seq IS NULL") == "E2")
    }

    @Test("a store from before the ledger was kept (v12) derives it on upgrade: every movement and part line it held is in the lines")
    func upgradeDerivesTheLedger() throws {
        let dir = NSTemporaryDirectory() + "fieldsync-upgrade-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/node.sqlite"
        let ops = StockSchedule.random(seed: 7)
        let expected: [StockLedger.Line]
        do {
            let store = try ReplicaStore.create(at: path, replica: ReplicaID("node-up12")!, engineer: "central")
            try store.apply(ops, now: now + 10_000_000)
            expected = try store.stockLines()
            #expect(!expected.isEmpty && expected.contains { !$0.consumedBy.isEmpty } && expected.contains { $0.lastCount != nil })
        }
        try sqlite(
            path,
            """
            DROP TABLE stock_entries; DROP TABLE stock_in_transit; DROP TABLE stock_totals; DROP TABLE stock_consumers; DROP TABLE stock_late;
            DELETE FROM grdb_migrations WHERE identifier IN ('v13-stock-ledger', 'v14-stock-totals');
            """)
        let reopened = try ReplicaStore.open(at: path)
        #expect(try reopened.stockLines() == expected)
        #expect(try reopened.stockLines(since: now + 20_000).map(\.key) == expected.map(\.key))
    }
}
