import FieldCentral
import FieldModel
import FieldStore
import FieldTestSupport
import PostgresNIO
import Testing

/// `check --postgres`: damage in the central database is found and named, never served.
@Suite struct CentralCheckTests {
    typealias F = SyncFixtures

    func seeded(_ store: PostgresNodeStore) async throws {
        _ = try await F.ingest(
            store, [F.created(F.desk, 1, "T1-pump", assignee: "E17"), F.created(F.desk, 2, "T2-fan", assignee: "E18")],
            from: F.dispatcher, replica: F.desk)
        _ = try await F.ingest(store, [F.note(F.tab17, 1, on: "T1-pump"), F.note(F.tab17, 2, on: "T1-pump")], from: F.e17, replica: F.tab17)
    }

    @Test func aSoundCentralIsClean() async throws {
        try await withCentral { _, store, _ in
            try await seeded(store)
            let report = try await store.check(name: "test")
            #expect(report.isClean && report.opsChecked == 4 && report.ticketsChecked == 2)
            #expect(CheckText.central(report).hasSuffix("No damage found."))
            #expect(!CheckText.central(report).contains("SQLite"))
        }
    }

    /// A check reads: on a database whose central has no id yet, it makes none.
    @Test func aCheckWritesNothing() async throws {
        try await withCentral { client, store, _ in
            let report = try await store.check(name: "test")
            #expect(report.isClean && report.replica == nil)
            let meta = try await client.query("SELECT count(*) FROM central_meta", logger: testLogger).decode(Int64.self).all()
            #expect(meta == [0])
            let id = try await store.identity().replica.rawValue
            #expect(try await store.check(name: "test").replica == id)
        }
    }

    @Test func aChangedOpAndAChangedTicketAreNamed() async throws {
        try await withCentral { client, store, _ in
            try await seeded(store)
            // One note's text changed in place (its checksum no longer matches), a ticket row's state changed, one gone.
            try await client.query(
                "UPDATE ops SET payload = overlay(payload placing '\\x58'::bytea from 3 for 1) WHERE replica = 'e17-tab' AND counter = 2",
                logger: testLogger)
            try await client.query("UPDATE tickets SET digest = repeat('0', 64) WHERE id = 'T2-fan'", logger: testLogger)
            let report = try await store.check(name: "test")
            #expect(!report.isClean)
            #expect(report.damagedOps.map(\.id) == ["2@e17-tab"])
            let mismatches = Dictionary(uniqueKeysWithValues: report.ticketMismatches.map { ($0.ticket, $0) })
            #expect(Set(mismatches.keys) == ["T1-pump", "T2-fan"], "T1's damaged note is left out of what its ops give; T2's row was changed")
            #expect(mismatches["T2-fan"]?.stored == String(repeating: "0", count: 64))
            #expect(CheckText.central(report).contains("restore the database from its latest backup"))
            try await client.query("DELETE FROM tickets WHERE id = 'T2-fan'", logger: testLogger)
            #expect(try await store.check(name: "test").ticketMismatches.contains { $0.ticket == "T2-fan" && $0.stored == nil })
        }
    }
}
