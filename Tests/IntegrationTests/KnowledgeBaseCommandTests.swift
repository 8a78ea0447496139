import FieldTestSupport
import Foundation
import Testing

/// The real `fieldsync-node kb` binary: import a folder, list and show what central holds,
/// and refuse a folder with a bad file with every problem named and nothing imported.
@Suite struct KnowledgeBaseCommandTests {
    /// A node data folder and an article folder.
    struct Setup {
        let folder: TempFolder
        var kb: String { folder.path + "/kb" }
        var data: String { folder.path + "/node" }

        init() throws {
            folder = try TempFolder("kb-command")
            try FileManager.default.createDirectory(atPath: folder.path + "/kb/img", withIntermediateDirectories: true)
        }

        func write(_ relative: String, _ text: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: kb + "/" + relative))
        }

        func node(_ args: String...) throws -> ProcessResult {
            try Binaries.run("fieldsync-node", ["kb"] + args + ["--data", data])
        }

        /// Runs `args` with `--json`, expects success and returns the parsed output.
        func json(_ args: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> Any {
            let r = try Binaries.run("fieldsync-node", ["kb"] + args + ["--data", data, "--json"])
            #expect(r.status == 0, "\(args): \(r.stderr)", sourceLocation: sourceLocation)
            return try #require(r.json, "\(args) printed no JSON: \(r.stdout)", sourceLocation: sourceLocation)
        }
    }

    static let fan = """
        ---
        id: fan-not-spinning
        title: Condenser fan does not start
        device_models: [Chiller X2]
        fault_codes: [E42]
        keywords: [fan, capacitor]
        ---
        Check the capacitor. ![wiring](img/wiring.png)

        """

    @Test("import, list, show; a second import changes nothing; an edit is version 2; --prune retires")
    func importListShow() async throws {
        try await onOwnThread {
            let s = try Setup()
            let image = Data("not really a png".utf8)
            try image.write(to: URL(fileURLWithPath: s.kb + "/img/wiring.png"))
            try s.write("fan.md", Self.fan)
            try s.write("safety.md", "---\nid: safety\ntitle: Safety first\nlanguage: zh\neveryone: true\n---\n先断电。\n")

            let first = try #require(try s.json("import", s.kb) as? [String: Any])
            #expect(first["new"] as? Int == 2 && first["updated"] as? Int == 0 && first["unchanged"] as? Int == 0)
            #expect(first["retired"] as? Int == 0 && first["imagesStored"] as? Int == 1)

            let list = try #require(try s.json("list") as? [[String: Any]])
            #expect(list.map { $0["id"] as? String } == ["fan-not-spinning", "safety"])
            let safety = try #require(list.last)
            #expect(safety["version"] as? Int == 1 && safety["language"] as? String == "zh" && safety["everyone"] as? Bool == true)
            #expect(safety["retired"] as? Bool == false && safety["images"] as? Int == 0 && safety["title"] as? String == "Safety first")
            #expect(list.first?["images"] as? Int == 1)

            let shown = try #require(try s.json("show", "fan-not-spinning") as? [String: Any])
            let images = try #require(shown["images"] as? [String])
            #expect(images.count == 1)
            let hex = try #require(images.first)
            #expect(shown["body"] as? String == "Check the capacitor. ![wiring](sha256:\(hex))\n")
            #expect(shown["device_models"] as? [String] == ["Chiller X2"] && shown["fault_codes"] as? [String] == ["E42"])
            #expect(shown["keywords"] as? [String] == ["fan", "capacitor"] && shown["title"] as? String == "Condenser fan does not start")
            #expect(FileManager.default.contents(atPath: s.data + "/blobs/\(hex.prefix(2))/\(hex)") == image)

            let again = try #require(try s.json("import", s.kb) as? [String: Any])
            #expect(again["new"] as? Int == 0 && again["unchanged"] as? Int == 2)

            try s.write("fan.md", Self.fan.replacingOccurrences(of: "Check the capacitor.", with: "Check the run capacitor."))
            try FileManager.default.removeItem(atPath: s.kb + "/safety.md")
            let third = try #require(try s.json("import", s.kb, "--prune") as? [String: Any])
            #expect(third["updated"] as? Int == 1 && third["retired"] as? Int == 1 && third["new"] as? Int == 0)
            let after = try #require(try s.json("list") as? [[String: Any]])
            #expect(after.map { $0["version"] as? Int } == [2, 1])
            #expect(after.map { $0["retired"] as? Bool } == [false, true])

            let text = try s.node("import", s.kb)
            #expect(text.status == 0 && text.stdout.hasPrefix("0 new, 0 updated, 1 unchanged, 0 retired"), "\(text.stdout)")

            let unknown = try s.node("show", "no-such-article")
            #expect(unknown.status != 0)
            #expect(unknown.stderr == "error: no article 'no-such-article' on this node: `fieldsync-node kb list` lists them\n")
            }
    }

    @Test("a folder with bad files imports nothing and names each problem as FILE:LINE: reason")
    func refusesBadFolder() async throws {
        try await onOwnThread {
            let s = try Setup()
            try s.write("fan.md", Self.fan.replacingOccurrences(of: "![wiring](img/wiring.png)", with: "![wiring](../../etc/passwd)"))
            try s.write("good.md", "---\nid: good\ntitle: Fine\n---\n")
            try s.write("guide.md", "---\nid: guide\ntitle: T\ndevice_models: Chiller X2\n---\n")

            let r = try Binaries.run("fieldsync-node", ["kb", "import", s.kb, "--data", s.data, "--json"])
            #expect(r.status == 1)
            let refusal = try #require(r.object["problems"] as? [[String: Any]], "\(r.stdout)")
            #expect(r.object["imported"] as? Bool == false)
            #expect(refusal.map { "\($0["file"] as? String ?? "?"):\($0["line"] as? Int ?? 0)" } == ["fan.md:8", "guide.md:4"])
            #expect(r.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } == [
                "error: nothing imported: 2 files to fix (2 problems)",
                "fan.md:8: image '../../etc/passwd' is outside the imported folder",
                "guide.md:4: device_models must be a list of strings",
            ])
            let list = try #require(try s.json("list") as? [Any])
            #expect(list.isEmpty)
            }
    }

    @Test("kb import --help teaches the front matter")
    func helpTeaches() async throws {
        try await onOwnThread {
            let help = try Binaries.run("fieldsync-node", ["kb", "import", "--help"])
            #expect(help.status == 0)
            for word in ["id:", "title:", "device_models:", "fault_codes:", "keywords:", "language:", "everyone:", "--prune", "sha256:"] {
                #expect(help.stdout.contains(word), "\(word)")
            }
            let root = try Binaries.run("fieldsync-node", ["--help"])
            #expect(root.stdout.contains("kb"))
            }
    }
}
