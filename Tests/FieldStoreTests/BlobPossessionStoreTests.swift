import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import Testing

/// The download rule of SPEC §7.3 in the store, and the migration that keeps references
/// made before it working. Rows are written with the sqlite3 tool, as an older node or
/// another replica's ops would have left them.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3"), "needs the sqlite3 tool"))
struct BlobPossessionStoreTests {
    let e1 = Principal(name: "E1", role: .engineer)

    func sqlite(_ path: String, _ sql: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, sql]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "sqlite3 failed on: \(sql)")
    }

    @Test("references from before the migration count as proven; new ones need their attacher's proof")
    func migrationAndRule() throws {
        let dir = try TempFolder("possession-store")
        let path = dir.path + "/node.sqlite"
        let old = SHA256.hash(Array("old photo".utf8))
        let new = SHA256.hash(Array("new photo".utf8))
        do { _ = try ReplicaStore.create(at: path, replica: ReplicaID("node-test")!, engineer: "") }
        // Back to the schema before proofs, with a reference made then.
        try sqlite(
            path,
            """
            DELETE FROM grdb_migrations WHERE identifier IN ('v4-blob-possession', 'v11-blob-references');
            DROP TABLE blob_refs; DROP TABLE blob_possession; DROP TABLE blob_challenges; DROP TABLE blob_partials;
            CREATE TABLE ticket_blobs (sha256 TEXT NOT NULL, ticket TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (sha256, ticket)) WITHOUT ROWID;
            INSERT INTO ticket_scope (engineer, ticket, since_seq) VALUES ('E1', 'T1-node', 1);
            INSERT INTO ticket_blobs (sha256, ticket, size) VALUES ('\(old.hex)', 'T1-node', 10);
            """)
        let store = try ReplicaStore.open(at: path)
        #expect(try store.mayDownload(old, for: e1))
        // A reference made now, by E2's replica: not until E2 proves it holds the bytes.
        try sqlite(
            path,
            """
            INSERT INTO blob_refs (sha256, ticket, replica, size) VALUES ('\(new.hex)', 'T1-node', 'e2-tablet', 10);
            INSERT OR REPLACE INTO replica_progress (replica, acked, owner) VALUES ('e2-tablet', 1, 'E2');
            """)
        #expect(try !store.mayDownload(new, for: e1))
        #expect(try !store.mayDownload(new, for: Principal(name: "D1", role: .dispatcher)))
        // Someone else's proof does not count for E2's reference.
        try store.recordPossession(new, principal: "E1", now: 1)
        #expect(try !store.mayDownload(new, for: e1))
        try store.recordPossession(new, principal: "E2", now: 1)
        #expect(try store.mayDownload(new, for: e1))
        #expect(try store.mayDownload(new, for: Principal(name: "D1", role: .dispatcher)))
        // Outside the scope, proof or not: no.
        #expect(try !store.mayDownload(new, for: Principal(name: "E3", role: .engineer)))
        #expect(try !store.mayDownload(SHA256.hash(Array("nobody".utf8)), for: e1))
    }
}
