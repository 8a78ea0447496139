import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import Testing

/// Articles reach the devices whose tickets they fit, by deltas, and leave them when they
/// no longer fit; the device searches them offline. Through the real node and the real
/// `fieldsync`; articles are published at central through its store, as `kb import` does.
@Suite(.serialized) struct KnowledgeBaseSyncTests {
    /// Publishes (or retires, with nil) articles at the node, as central.
    struct Central {
        let data: String
        var clock: UInt64 = 1_795_424_400_000

        mutating func publish(_ name: String, _ version: ArticlePublished?) throws {
            let store = try ReplicaStore.open(at: data + "/node.sqlite")
            clock += 1000
            let id = EntityID(kind: Article.kind, name: name)!
            _ = try store.edit(now: clock) { edit in
                if let version { try edit.record(version, on: id) } else { try edit.record(ArticleRetired(), on: id) }
            }
        }
    }

    static func guide(_ v: UInt64, _ title: String, _ body: String, models: [String] = [], codes: [String] = [], keywords: [String] = [], everyone: Bool = false) -> ArticlePublished {
        ArticlePublished(version: v, title: title, body: body, deviceModels: models, faultCodes: codes, keywords: keywords, everyone: everyone)
    }

    /// The ids of `kb search` hits.
    static func found(_ e: Engineer, _ words: String, ticket: String? = nil) throws -> [String] {
        var args = ["kb", "search", words, "--json", "--limit", "50"]
        if let ticket { args += ["--ticket", ticket] }
        let r = try e.ok(args)
        let hits = try #require(r.json as? [[String: Any]], "kb search --json: \(r.stdout)")
        return hits.compactMap { $0["id"] as? String }
    }

    /// The articles `show TICKET --json` lists as fitting it.
    static func fitting(_ e: Engineer, _ ticket: String) throws -> [String] {
        let shown = try e.ok("show", ticket, "--json").object
        let list = try #require(shown["articles"] as? [[String: Any]], "show --json has articles")
        return list.compactMap { $0["id"] as? String }.sorted()
    }

    static func syncReport(_ e: Engineer) throws -> [String: Any] {
        let r = try e.ok("sync", "--json")
        return try #require(r.json as? [String: Any], "sync --json: \(r.stdout)")
    }

    @Test("an assigned ticket brings the articles that fit it and no others; an edit arrives as a new version; retired and no-longer-fitting articles leave the device and its search; an unchanged knowledge base sends nothing twice")
    func articlesFollowScope() async throws {
        try await onOwnThread {
            let field = try Field()
            var central = Central(data: field.node.data)
            try central.publish("chiller-x2-service", Self.guide(1, "Chiller X2 service", "Quarterly service of the condenser.", models: ["chiller x2"]))
            try central.publish("e21-high-pressure", Self.guide(1, "E21 high pressure trip", "Check the condenser fan first.", codes: ["E21"]))
            try central.publish("fan-capacitor", Self.guide(1, "更换冷凝风扇电容", "断电，拆下风扇电容，换新的 capacitor。", keywords: ["电容"]))
            try central.publish("safety", Self.guide(1, "Lockout tagout", "Isolate every energy source.", everyone: true))
            try central.publish("boiler-b1", Self.guide(1, "Boiler B1 burner", "Clean the burner nozzle.", models: ["Boiler B1"]))

            let e17 = try field.engineer("E17")
            let first = try Self.syncReport(e17)
            // No ticket yet: only what everyone gets.
            #expect(try Self.found(e17, "isolate") == ["safety"])
            #expect(try Self.found(e17, "condenser").isEmpty)
            #expect(first["pulled"] as? Int == 1)

            // A ticket for a Chiller X2 with an E21 code and a swollen fan capacitor.
            let t = try field.dispatch("E17")
            let set = try field.node.admin("ticket", "set", t, "fault-code", "E21")
            #expect(set.status == 0, "\(set.stderr)")
            let fault = try field.node.admin("ticket", "set", t, "fault", "冷凝风扇电容鼓包")
            #expect(fault.status == 0, "\(fault.stderr)")
            try e17.ok("sync")
            #expect(try Self.fitting(e17, t) == ["chiller-x2-service", "e21-high-pressure", "fan-capacitor"])
            #expect(try Self.found(e17, "condenser").sorted() == ["chiller-x2-service", "e21-high-pressure"])
            #expect(try Self.found(e17, "burner").isEmpty, "an article no ticket fits stays at central")

            // Nothing changed at central: the next sync moves no article.
            let quiet = try Self.syncReport(e17)
            #expect(quiet["pulled"] as? Int == 0)
            let quietBytes = try #require(quiet["bytesDown"] as? Int)
            #expect(quietBytes < 600, "an unchanged knowledge base costs only the exchange itself: \(quietBytes) B")

            // An edit arrives as its new version, and only it.
            try central.publish("chiller-x2-service", Self.guide(2, "Chiller X2 service, 2027", "Service the condenser and the economiser.", models: ["Chiller X2"]))
            let edited = try Self.syncReport(e17)
            #expect(edited["pulled"] as? Int == 1)
            let shown = try e17.ok("kb", "show", "chiller-x2-service", "--json").object
            #expect(shown["version"] as? Int == 2)
            #expect(try Self.found(e17, "economiser") == ["chiller-x2-service"])

            // Retired, and no longer fitting (its keyword moved away from the ticket's fault): both leave.
            try central.publish("e21-high-pressure", nil)
            try central.publish("fan-capacitor", Self.guide(2, "更换冷凝风扇电容", "断电，拆下风扇电容。", keywords: ["压缩机"]))
            let leaving = try Self.syncReport(e17)
            #expect(leaving["left"] as? Int == 2)
            #expect(try Self.fitting(e17, t) == ["chiller-x2-service"])
            #expect(try Self.found(e17, "condenser") == ["chiller-x2-service"])
            #expect(try Self.found(e17, "电容").isEmpty)
            let gone = try e17.run("kb", "show", "fan-capacitor")
            #expect(gone.status != 0 && gone.stderr.hasPrefix("error: no article 'fan-capacitor'"), "\(gone.stderr)")

            // It fits again: it comes back whole, as a device that never had it would get it.
            try central.publish("fan-capacitor", Self.guide(3, "更换冷凝风扇电容", "断电，拆下风扇电容，装新电容。", keywords: ["鼓包"]))
            try e17.ok("sync")
            #expect(try Self.found(e17, "电容") == ["fan-capacitor"])
            #expect(try e17.ok("kb", "show", "fan-capacitor", "--json").object["version"] as? Int == 3)
            }
    }

    @Test("an article's image is fetched on demand by a device in its scope, refused to one outside it, and leaves with the article")
    func imagesOnDemand() async throws {
        let field = try Field()
        var central = Central(data: field.node.data)
        let picture = field.folder.path + "/wiring.png"
        let digest = try BlobTests.randomFile(picture, bytes: 120_000, seed: 31)
        _ = try BlobFolder(root: field.node.data + "/blobs").store(fileAt: picture)
        try central.publish("wiring", Self.guide(1, "Fan wiring", "![wiring](sha256:\(digest.hex))", models: ["Chiller X2"]).withImages([digest]))
        _ = try field.dispatch("E17")
        let e17 = try field.engineer("E17")
        try e17.ok("sync")
        let before = try e17.ok("kb", "show", "wiring", "--json").object
        #expect(before["missingImages"] as? [String] == [digest.hex])
        #expect(try e17.ok("kb", "show", "wiring").stdout.contains("[image: wiring — not on this device]"))
        let fetched = try e17.ok("kb", "fetch", "wiring", "--json").object
        #expect(fetched["fetched"] as? Int == 1)
        #expect(try e17.ok("kb", "show", "wiring", "--json").object["missingImages"] as? [String] == [])
        let local = e17.home + "/blobs/\(digest.hex.prefix(2))/\(digest.hex)"
        #expect(SHA256.hash(try Data(contentsOf: URL(fileURLWithPath: local))) == digest)

        // An engineer whose tickets the article does not fit may not download its image.
        let e21 = try field.token("E21")
        let (status, _) = try await BlobTests().request(field, "GET", "/v1/blobs/\(digest.hex)", token: e21)
        #expect(status == 403)
        let (mine, bytes) = try await BlobTests().request(field, "GET", "/v1/blobs/\(digest.hex)", token: try String(contentsOfFile: e17.home + "/token", encoding: .utf8))
        #expect(mine == 200 && bytes.count == 120_000)

        // Retired: the article and its cached image leave the device.
        try central.publish("wiring", nil)
        try e17.ok("sync")
        #expect(!FileManager.default.fileExists(atPath: local))
        #expect(try e17.run("kb", "show", "wiring").status != 0)
    }

    @Test("what an operator imports with `fieldsync-node kb import` reaches the device whose ticket it fits, its image on demand; --prune takes it away again")
    func importedFolderReachesTheDevice() async throws {
        try await onOwnThread {
            let field = try Field()
            let kb = field.folder.path + "/kb"
            try FileManager.default.createDirectory(atPath: kb + "/img", withIntermediateDirectories: true)
            let picture = kb + "/img/wiring.png"
            let digest = try BlobTests.randomFile(picture, bytes: 50_000, seed: 32)
            try Data("---\nid: x2-wiring\ntitle: Chiller X2 fan wiring\ndevice_models: [Chiller X2]\n---\nSee ![wiring](img/wiring.png)\n".utf8)
                .write(to: URL(fileURLWithPath: kb + "/wiring.md"))
            try Data("---\nid: b1-burner\ntitle: Boiler B1 burner\ndevice_models: [Boiler B1]\n---\nClean the nozzle.\n".utf8)
                .write(to: URL(fileURLWithPath: kb + "/burner.md"))
            let imported = try field.node.admin("kb", "import", kb, "--json")
            #expect(imported.status == 0, "\(imported.stderr)")
            #expect(imported.object["new"] as? Int == 2)

            let t = try field.dispatch("E17")
            let e17 = try field.engineer("E17")
            try e17.ok("sync")
            #expect(try Self.fitting(e17, t) == ["x2-wiring"])
            #expect(try e17.ok("kb", "show", "x2-wiring", "--json").object["missingImages"] as? [String] == [digest.hex])
            #expect(try e17.ok("kb", "fetch", "x2-wiring", "--json").object["fetched"] as? Int == 1)
            #expect(try e17.ok("kb", "show", "x2-wiring", "--json").object["missingImages"] as? [String] == [])

            try FileManager.default.removeItem(atPath: kb + "/wiring.md")
            let pruned = try field.node.admin("kb", "import", kb, "--prune", "--json")
            #expect(pruned.status == 0, "\(pruned.stderr)")
            #expect(pruned.object["retired"] as? Int == 1)
            let leaving = try Self.syncReport(e17)
            #expect(leaving["left"] as? Int == 1)
            #expect(try Self.found(e17, "wiring").isEmpty)
            }
    }

    @Test("English, two-character Chinese, longer Chinese and mixed queries find the right articles with the node stopped")
    func searchOffline() async throws {
        try await onOwnThread {
            let field = try Field()
            var central = Central(data: field.node.data)
            try central.publish("fan-capacitor", Self.guide(1, "更换冷凝风扇电容", "断电后拆下冷凝风扇的电容，换新 capacitor。", everyone: true))
            try central.publish("compressor-oil", Self.guide(1, "Compressor oil change", "Drain the compressor oil and refill to the sight glass.", everyone: true))
            try central.publish("economiser", Self.guide(1, "节能器 economiser 清洗", "Clean the economiser plates; 检查压缩机回油。", everyone: true))
            let e17 = try field.engineer("E17")
            try e17.ok("sync")
            _ = field.node.stop()
            #expect(try Self.found(e17, "compressor").first == "compressor-oil")
            #expect(try Self.found(e17, "\"sight glass\"") == ["compressor-oil"])
            #expect(try Self.found(e17, "电容") == ["fan-capacitor"])
            #expect(try Self.found(e17, "风扇") == ["fan-capacitor"])
            #expect(try Self.found(e17, "冷凝风扇电容") == ["fan-capacitor"])
            #expect(try Self.found(e17, "压缩机") == ["economiser"])
            #expect(try Self.found(e17, "economiser 清洗") == ["economiser"])
            #expect(try Self.found(e17, "capacitor 电容") == ["fan-capacitor"])
            #expect(try Self.found(e17, "电阻").isEmpty)
            // Hostile queries: FTS5 syntax is words here, never an error or a crash.
            for hostile in ["\"", "NEAR(", "title:*", "*", "AND OR NOT", String(repeating: "电", count: 400)] {
                let r = try e17.run("kb", "search", hostile, "--json")
                #expect(r.status == 0 || r.stderr.hasPrefix("error: "), "\(hostile): \(r.stderr)")
                #expect(!r.stderr.contains("Fatal") && !r.stderr.contains("SQLITE"), "\(hostile): \(r.stderr)")
            }
            }
    }
}

extension ArticlePublished {
    func withImages(_ images: [Digest]) -> ArticlePublished {
        var v = self
        v.images = images
        return v
    }
}
