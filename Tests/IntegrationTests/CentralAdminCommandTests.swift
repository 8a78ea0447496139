import FieldModel
import FieldTestSupport
import Foundation
import Testing

/// `fieldsync-node ticket …`, `tickets` and `kb …` against a central on PostgreSQL, through
/// the real binary and a real throwaway PostgreSQL: the admin commands write as the central
/// replica, several at once without ever taking one counter twice.
@Suite struct CentralAdminCommandTests {
    func centralURL(_ name: String) async throws -> String {
        try await TestPostgres.shared().database(name)
    }

    func node(_ args: [String]) throws -> ProcessResult {
        try Binaries.run("fieldsync-node", args)
    }

    /// Runs `args` with `--json`, expects success and returns the parsed output.
    func json(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Any {
        let r = try node(args + ["--json"])
        #expect(r.status == 0, "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        return try #require(r.json, "\(args) printed no JSON: \(r.stdout)", sourceLocation: sourceLocation)
    }

    @Test func ticketsAreCreatedAssignedSetAndShownInTheCentralDatabase() async throws {
        let url = try await centralURL("admin_tickets")
        let created = try node([
            "ticket", "create", "--postgres", url, "--customer", "Acme", "--site", "Plant 3", "--device-model", "Chiller X2",
            "--category", "repair", "--fault", "Trips on high pressure", "--assign", "E17",
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let id = created.stdout.trimmingCharacters(in: .newlines)
        #expect(!id.isEmpty && !id.contains("\n"))

        #expect(try node(["ticket", "assign", "--postgres", url, id, "E18"]).status == 0)
        let set = try node(["ticket", "set", "--postgres", url, id, "priority", "urgent"])
        #expect(set.status == 0, "\(set.stderr)")
        let shown = try #require(try json(["ticket", "show", "--postgres", url, id]) as? [String: Any])
        #expect(shown["id"] as? String == id, "\(shown)")
        let list = try #require(try json(["tickets", "--postgres", url]) as? [[String: Any]])
        #expect(list.count == 1 && list.first?["assignee"] as? String == "E18" && list.first?["priority"] as? String == "urgent")

        // Refusals are one line, and change nothing.
        for args in [
            ["ticket", "assign", "--postgres", url, "T9-nowhere", "E18"],
            ["ticket", "assign", "--postgres", url, id, "E18'; DROP TABLE ops; --"],
            ["ticket", "set", "--postgres", url, id, "colour", "red"],
            ["ticket", "show", "--postgres", url, "T9-nowhere"],
        ] {
            let r = try node(args)
            #expect(r.status == 1 && r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        }
        #expect((try json(["tickets", "--postgres", url]) as? [[String: Any]])?.count == 1)
    }

    @Test func twoAdminCommandsAtOnceNeverTakeOneCounter() async throws {
        let url = try await centralURL("admin_counters")
        // Eight processes writing as the central at once; a ticket's id is its first op's.
        let ids = try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for i in 0..<8 {
                group.addTask {
                    try Binaries.run("fieldsync-node", [
                        "ticket", "create", "--postgres", url, "--customer", "C\(i)", "--site", "S", "--device-model", "X2",
                        "--category", "repair", "--fault", "f", "--assign", "E17",
                    ])
                }
            }
            var out: [String] = []
            for try await r in group {
                #expect(r.status == 0, "\(r.stderr)")
                out.append(r.stdout.trimmingCharacters(in: .newlines))
            }
            return out
        }
        #expect(Set(ids).count == 8, "\(ids)")
        let list = try #require(try json(["tickets", "--postgres", url]) as? [[String: Any]])
        #expect(Set(list.compactMap { $0["id"] as? String }) == Set(ids))
    }

    @Test func articlesAreImportedListedAndShownWithTheirImages() async throws {
        let url = try await centralURL("admin_kb")
        let folder = try TempFolder("central-kb")
        let kb = folder.path + "/kb"
        try FileManager.default.createDirectory(atPath: kb + "/img", withIntermediateDirectories: true)
        func write(_ relative: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: kb + "/" + relative)) }
        try write("fan.md", "---\nid: fan-not-spinning\ntitle: Condenser fan does not start\ndevice_models: [Chiller X2]\nkeywords: [风扇]\n---\nCheck the capacitor.\n")
        try write("safety.md", "---\nid: safety\ntitle: Safety first\nlanguage: zh\neveryone: true\n---\n先断电。\n")

        let first = try #require(try json(["kb", "import", "--postgres", url, kb]) as? [String: Any])
        #expect(first["new"] as? Int == 2 && first["unchanged"] as? Int == 0, "\(first)")
        let again = try #require(try json(["kb", "import", "--postgres", url, kb]) as? [String: Any])
        #expect(again["new"] as? Int == 0 && again["unchanged"] as? Int == 2, "an unchanged folder writes nothing: \(again)")
        let list = try #require(try json(["kb", "list", "--postgres", url]) as? [[String: Any]])
        #expect(list.map { $0["id"] as? String } == ["fan-not-spinning", "safety"])
        let shown = try #require(try json(["kb", "show", "--postgres", url, "safety"]) as? [String: Any])
        #expect(shown["everyone"] as? Bool == true && shown["version"] as? Int == 1, "\(shown)")

        // An edit is version 2; --prune retires what is gone.
        try write("fan.md", "---\nid: fan-not-spinning\ntitle: Condenser fan does not start\ndevice_models: [Chiller X2]\n---\nCheck the run capacitor.\n")
        try FileManager.default.removeItem(atPath: kb + "/safety.md")
        let edited = try #require(try json(["kb", "import", "--postgres", url, kb, "--prune"]) as? [String: Any])
        #expect(edited["updated"] as? Int == 1 && edited["retired"] as? Int == 1, "\(edited)")
        #expect((try json(["kb", "show", "--postgres", url, "fan-not-spinning"]) as? [String: Any])?["version"] as? Int == 2)

        // An article with an image: the image is stored in the database before its op.
        let image = Data("not really a png".utf8)
        try image.write(to: URL(fileURLWithPath: kb + "/img/wiring.png"))
        try write("wiring.md", "---\nid: wiring\ntitle: Wiring\n---\n![wiring](img/wiring.png)\n")
        let withImage = try #require(try json(["kb", "import", "--postgres", url, kb]) as? [String: Any])
        #expect(withImage["new"] as? Int == 1 && withImage["imagesStored"] as? Int == 1, "\(withImage)")
        let wiring = try #require(try json(["kb", "show", "--postgres", url, "wiring"]) as? [String: Any])
        #expect(wiring["images"] as? [String] == [SHA256.hash(Array(image)).hex], "\(wiring)")
        let after = try #require(try json(["kb", "list", "--postgres", url]) as? [[String: Any]])
        #expect(after.map { $0["id"] as? String } == ["fan-not-spinning", "safety", "wiring"])
    }
}
