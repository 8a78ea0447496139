import FieldCentral
import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import Logging
import Testing

/// `fieldsync-node migrate --from DIR --postgres URL`, through the real binaries: a central
/// with engineers' work (photos included) moves into PostgreSQL, and the engineers' devices
/// sync on against a node on PostgreSQL with the tokens they had, nothing pushed twice or
/// lost, and a photo downloaded from the database as it was from the data folder.
@Suite struct CentralMoveTests {
    static let password = "m0ve-Pa55word"

    func centralURL() async throws -> String {
        try await TestPostgres.shared().database("move").replacingOccurrences(of: "postgres@", with: "postgres:\(Self.password)@")
    }

    func node(_ args: [String]) throws -> ProcessResult {
        let r = try Binaries.run("fieldsync-node", args)
        #expect(!r.stdout.contains(Self.password) && !r.stderr.contains(Self.password), "\(args.first ?? ""): the password was printed")
        return r
    }

    func opCount(_ url: String) async throws -> Int {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return try await PostgresNodeStore.with(url: url, logger: logger) { try await $0.opLogDigest().count }
    }

    @Test func devicesSyncOnAgainstTheMovedCentral() async throws {
        let field = try Field()
        let e17 = try field.engineer("E17")
        let e21 = try field.engineer("E21")
        let t1 = try field.dispatch("E17")
        let t2 = try field.dispatch("E21")
        try e17.ok("sync")
        try e21.ok("sync")
        try e17.ok("note", t1, "compressor replaced")
        try e17.ok("part", "add", t1, "CMP-22", "--qty", "1")
        // A photo of several database chunks (256 KiB each), uploaded to the SQLite central.
        let photoSize = 700_000
        let photo = try BlobTests.randomFile(field.folder.path + "/photo.jpg", bytes: photoSize, seed: 24)
        try e17.ok("photo", t1, field.folder.path + "/photo.jpg")
        try e17.ok("sync")
        #expect(try e17.ok("show", t1).stdout.contains("[local]"), "the photo did not reach the SQLite central")
        try e21.ok("arrive", t2, "--lat", "51.5", "--lon", "-0.12")
        try e21.ok("sync")
        // A repair guide for E17's chiller, imported at central before the move.
        let kb = field.folder.path + "/kb"
        try FileManager.default.createDirectory(atPath: kb, withIntermediateDirectories: true)
        try "---\nid: chiller-trip\ntitle: Chiller X2 trips\ndevice_models: [Chiller X2]\n---\nCheck the condenser fan.\n"
            .write(toFile: kb + "/chiller-trip.md", atomically: true, encoding: .utf8)
        #expect(try field.node.admin("kb", "import", kb).status == 0)
        try e17.ok("sync")
        let before = try field.centralDigests()
        field.node.stop()

        let url = try await centralURL()
        // A node on PostgreSQL started first (the central's id made, nothing pushed) leaves it empty.
        try NodeProcess(postgres: url, logPath: field.folder.path + "/first.log").stop()
        let moved = try node(["migrate", "--from", field.node.data, "--postgres", url, "--json"])
        #expect(moved.status == 0, "\(moved.stderr)")
        let report = moved.object
        #expect(report["tickets"] as? Int == 2 && report["tokens"] as? Int == 2 && report["articles"] as? Int == 1, "\(report)")
        #expect(report["blobs"] as? Int == 1 && report["blobBytes"] as? Int == photoSize, "\(report)")
        let listed = try #require(try node(["kb", "list", "--postgres", url, "--json"]).json as? [[String: Any]])
        #expect(listed.count == 1)
        let ops = try #require(report["ops"] as? Int)
        #expect(try await opCount(url) == ops)
        let checked = try node(["check", "--postgres", url, "--json"])
        #expect(checked.status == 0, "\(checked.stdout)")
        #expect(checked.object["clean"] as? Bool == true && checked.object["opsChecked"] as? Int == ops)

        let local = e17.home + "/blobs/\(photo.hex.prefix(2))/\(photo.hex)"
        try FileManager.default.removeItem(atPath: local)
        // A node on PostgreSQL, the same tokens: the devices carry on (new address, as after DNS moves).
        let pg = try NodeProcess(postgres: url, logPath: field.folder.path + "/pg.log")
        defer { pg.stop() }
        for (engineer, name) in [(e17, "E17"), (e21, "E21")] {
            let token = try String(contentsOfFile: engineer.home + "/token", encoding: .utf8)
            try engineer.ok("login", "--node", pg.url, "--token", token)
            _ = name
        }
        try e17.ok("note", t1, "after the move")
        let synced = try e17.ok("sync", "--json").object
        #expect(synced["pushed"] as? Int == 1, "\(synced)")
        #expect(synced["refused"] == nil)
        try e21.ok("sync")
        #expect(try await opCount(url) == ops + 1, "an op was pushed twice or lost")
        // What each device holds of its ticket is what central held, and the new note.
        #expect(try e21.digest(t2) == before[t2])
        #expect(try e17.digest(t1) != before[t1])
        #expect(try e17.show(t1)["notes"].map { "\($0)".contains("after the move") } == true)
        // The photo comes back from the database: E17's proof of holding it moved too (the
        // device lost its copy before it met the new node, so it could not prove it again).
        try e17.ok("fetch", t1)
        let fetched = try Data(contentsOf: URL(fileURLWithPath: local))
        #expect(fetched.count == photoSize && SHA256.hash(fetched) == photo)
    }

    @Test func aDatabaseThatHoldsAnythingIsRefusedAndKeptAsItWas() async throws {
        let field = try Field()
        _ = try field.token("E17")
        _ = try field.dispatch("E17")
        field.node.stop()
        let url = try await centralURL()
        let made = try node(["token", "create", "--postgres", url, "--role", "engineer", "--name", "E99"])
        #expect(made.status == 0)
        let refused = try node(["migrate", "--from", field.node.data, "--postgres", url])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("error: the database already holds a central") && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        let tokens = try #require(try node(["token", "list", "--postgres", url, "--json"]).json as? [[String: Any]])
        #expect(tokens.compactMap { $0["name"] as? String } == ["E99"])
        #expect(try await opCount(url) == 0)
    }

    @Test func badSourcesAreOneLineErrors() async throws {
        let url = try await centralURL()
        let folder = try TempFolder("fieldsync-move")
        FileManager.default.createFile(atPath: folder.path + "/file", contents: Data("x".utf8))
        for args in [
            ["migrate", "--from", folder.path + "/missing", "--postgres", url],
            ["migrate", "--from", folder.path + "/file", "--postgres", url],
            ["migrate", "--from", folder.path, "--postgres", "postgres://postgres:\(Self.password)@127.0.0.1:99999/x"],
            ["migrate", "--from", folder.path],
        ] {
            let r = try node(args)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.hasPrefix("error: ") || r.stderr.hasPrefix("Error: "), "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count <= 3, "\(args): \(r.stderr)")
        }
        #expect(try await opCount(url) == 0)
    }
}
