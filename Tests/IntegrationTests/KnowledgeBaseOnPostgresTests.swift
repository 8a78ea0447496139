import FieldClient
import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import Testing

/// Articles at a central on PostgreSQL, end to end: imported with `kb import --postgres`
/// (their images stored in the database), tickets dispatched with `ticket create/set
/// --postgres`, served by `serve --postgres`; a device gets the articles its tickets need and
/// those for everyone, fetches their images on demand, searches them offline, and loses what
/// is retired or no longer fits.
@Suite struct KnowledgeBaseOnPostgresTests {
    @Test func importedArticlesFollowTheDevicesTicketsThroughAPostgresCentral() async throws {
        let folder = try TempFolder("kb-postgres")
        let url = try await TestPostgres.shared().database("kb_e2e")
        let kb = folder.path + "/kb"
        try FileManager.default.createDirectory(atPath: kb + "/img", withIntermediateDirectories: true)
        func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: kb + "/" + name)) }
        func run(_ args: [String]) throws -> String {
            let r = try Binaries.run("fieldsync-node", args + ["--postgres", url])
            #expect(r.status == 0, "\(args): \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func admin(_ args: String...) throws -> String { try run(args) }
        func imported(_ args: String...) throws -> [String: Any] {
            let out = try run(["kb", "import", kb, "--json"] + args)
            return try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "\(out)")
        }
        // Over three database chunks, the last one short.
        let picture = kb + "/img/wiring.png"
        let image = try BlobTests.randomFile(picture, bytes: 3 * BlobContent.pieceLimit + 1_234, seed: 33)
        try write("x2.md", "---\nid: x2-service\ntitle: Chiller X2 service\ndevice_models: [chiller x2]\n---\nClean the condenser coil. ![wiring](img/wiring.png)\n")
        try write("cap.md", "---\nid: fan-capacitor\ntitle: 更换风扇电容\nkeywords: [电容]\n---\n断电，更换电容。\n")
        try write("boiler.md", "---\nid: boiler\ntitle: Boiler burner\ndevice_models: [Boiler B1]\n---\nClean the burner nozzle.\n")
        try write("safety.md", "---\nid: safety\ntitle: Lockout tagout\neveryone: true\n---\nIsolate every energy source.\n")
        let first = try imported()
        #expect(first["new"] as? Int == 4 && first["imagesStored"] as? Int == 1, "\(first)")
        // The image is held whole already: not stored twice.
        #expect(try imported()["imagesStored"] as? Int == 0)

        let node = try NodeProcess(postgres: url, logPath: folder.path + "/node.log")
        let token = try admin("token", "create", "--role", "engineer", "--name", "E17")
        let home = FieldHome(explicit: folder.path + "/E17")
        let device = try FieldReplica.initialise(home: home, engineer: "E17")
        try NodeLink.save(home: home, url: node.url, token: token)
        func sync() async throws -> SyncReport { try await SyncClient(replica: device, link: try NodeLink.load(home: home)).sync() }
        func held() throws -> [String] { try device.store.articles().map(\.name) }
        // The horizon is the whole cluster's: a test beside this one may hold it back a moment.
        func sync(until expected: [String]) async throws -> SyncReport {
            var report = try await sync()
            let deadline = ContinuousClock.now + .seconds(10)
            while try held() != expected, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                let next = try await sync()
                report.pulled += next.pulled
                report.left += next.left
            }
            return report
        }

        // No ticket yet: what everyone gets.
        _ = try await sync(until: ["safety"])
        #expect(try held() == ["safety"])

        // A ticket for a Chiller X2 with a swollen capacitor brings its two articles.
        let ticket = try admin(
            "ticket", "create", "--customer", "Acme", "--site", "Plant 3", "--device-model", "Chiller X2", "--category", "repair",
            "--fault", "trips", "--assign", "E17")
        _ = try admin("ticket", "set", ticket, "fault", "风扇电容鼓包")
        _ = try await sync(until: ["fan-capacitor", "safety", "x2-service"])
        #expect(try held() == ["fan-capacitor", "safety", "x2-service"])
        #expect(try device.store.searchArticles("电容").map(\.id) == ["article:fan-capacitor"])
        #expect(try device.store.searchArticles("condenser").map(\.id) == ["article:x2-service"])
        let quiet = try await sync()
        #expect(quiet.pulled == 0 && quiet.left == 0, "an unchanged knowledge base sends nothing twice")

        // The article's image on demand, from the database, byte for byte.
        let x2 = try device.article("x2-service")
        #expect(device.missingImages(of: x2) == [image])
        let fetched = try await BlobTransfer(replica: device, link: try NodeLink.load(home: home)).fetch(article: "x2-service")
        #expect(fetched.blobs == 1 && fetched.notOnNode == 0, "\(fetched)")
        #expect(device.missingImages(of: x2).isEmpty)
        let local = device.blobs.path(for: image)
        #expect(FileManager.default.contents(atPath: local) == FileManager.default.contents(atPath: picture))

        // Pruned at central, and the fault no longer fits the keyword: both leave the device.
        try FileManager.default.removeItem(atPath: kb + "/x2.md")
        _ = try imported("--prune")
        _ = try admin("ticket", "set", ticket, "fault", "leaks water")
        let leaving = try await sync(until: ["safety"])
        #expect(leaving.left == 2)
        #expect(try held() == ["safety"])
        #expect(try device.store.searchArticles("电容").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: local), "the image leaves with its article")
        _ = node
    }
}
