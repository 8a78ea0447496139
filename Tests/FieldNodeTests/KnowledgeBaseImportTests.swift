import FieldModel
import FieldNode
import FieldStore
import Foundation
import Testing

/// `kb import` at the library level: what a folder of articles becomes at central, and
/// that a folder with anything wrong imports nothing and names every problem.
@Suite struct KnowledgeBaseImportTests {
    /// A node data folder and an article folder in a temporary directory.
    final class Fixture {
        let root: String
        var kb: String { root + "/kb" }
        var data: String { root + "/node" }
        let admin: NodeAdmin

        init() throws {
            root = NSTemporaryDirectory() + "kb-import-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: root + "/kb", withIntermediateDirectories: true)
            admin = try NodeAdmin(dataDirectory: root + "/node")
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }

        func write(_ relative: String, _ text: String) throws { try write(relative, Data(text.utf8)) }

        func write(_ relative: String, _ data: Data) throws {
            let path = kb + "/" + relative
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path))
        }

        func remove(_ relative: String) throws { try FileManager.default.removeItem(atPath: kb + "/" + relative) }

        func run(prune: Bool = false) async throws -> KnowledgeBaseImport.Summary {
            try await admin.importKnowledgeBase(from: kb, prune: prune)
        }

        /// The import's refusal; records an issue if it imported instead.
        func refusal(sourceLocation: SourceLocation = #_sourceLocation) async throws -> KnowledgeBaseError {
            do {
                let summary = try await run()
                Issue.record("imported \(summary.entries.count) articles instead of refusing", sourceLocation: sourceLocation)
                throw CancellationError()
            } catch let error as KnowledgeBaseError {
                return error
            }
        }
    }

    static func article(_ id: String, title: String = "A title", extra: String = "", body: String = "Body.\n") -> String {
        "---\nid: \(id)\ntitle: \(title)\n\(extra)---\n\(body)"
    }

    /// A 1x1 PNG is not needed: any bytes are an image to the blob store.
    static let png = Data((0..<300).map { UInt8($0 % 251) })

    static func sha256(_ data: Data) -> String {
        let h = BlobHasher()
        h.update(data)
        return h.digest.hex
    }

    @Test("a folder becomes articles: fields, entity ids, images stored as blobs and rewritten to sha256:, web images left alone")
    func importsAFolder() async throws {
        let f = try Fixture()
        try f.write("guides/img/wiring.png", Self.png)
        try f.write(
            "guides/fan.md",
            """
            ---
            id: fan-not-spinning
            title: Condenser fan does not start
            device_models: [Chiller X2, Chiller X3]
            fault_codes:
              - E42
              - 1001
            keywords: [fan, capacitor]
            language: zh-Hans
            ---
            Check the capacitor. ![wiring](img/wiring.png "the wiring")
            Again: ![same](./img/../img/wiring.png) and ![web](https://example.com/x.png)

            """)
        try f.write("safety.md", Self.article("safety.first", title: "Safety first", extra: "everyone: true\n"))
        try f.write("notes.txt", "not an article")

        let summary = try await f.run()
        #expect(summary.entries.map(\.id) == ["fan-not-spinning", "safety.first"])
        #expect(summary.count(.new) == 2 && summary.imagesStored == 1)

        let hex = Self.sha256(Self.png)
        let fanID = try #require(EntityID(kind: Article.kind, name: "fan-not-spinning"))
        let fan = try #require(try f.admin.store.article(fanID))
        #expect(fan.id.rawValue == "article:fan-not-spinning" && fan.version.version == 1 && !fan.retired)
        #expect(fan.version.title == "Condenser fan does not start")
        #expect(fan.version.deviceModels == ["Chiller X2", "Chiller X3"])
        #expect(fan.version.faultCodes == ["E42", "1001"])
        #expect(fan.version.keywords == ["fan", "capacitor"])
        #expect(fan.version.language == "zh-Hans" && !fan.version.everyone)
        #expect(fan.version.images.map(\.hex) == [hex])
        #expect(
            fan.version.body
                == "Check the capacitor. ![wiring](sha256:\(hex))\nAgain: ![same](sha256:\(hex)) and ![web](https://example.com/x.png)\n")
        // Stored where the node serves complete blobs from.
        let blob = f.data + "/blobs/\(hex.prefix(2))/\(hex)"
        #expect(FileManager.default.contents(atPath: blob) == Self.png)

        let safety = try f.admin.article("safety.first")
        #expect(safety.version.everyone && safety.version.language == "en" && safety.version.body == "Body.\n")
        #expect(try f.admin.article("article:safety.first") == safety)
        #expect(throws: NodeError.self) { try f.admin.article("missing") }
    }

    @Test("a second import of the same folder writes nothing; an edited file becomes version 2")
    func upsertsByID() async throws {
        let f = try Fixture()
        try f.write("a.md", Self.article("a"))
        try f.write("b.md", Self.article("b"))
        _ = try await f.run()
        let ops = try f.admin.store.opCount()

        let again = try await f.run()
        #expect(again.count(.unchanged) == 2 && again.count(.new) == 0 && again.count(.updated) == 0)
        #expect(try f.admin.store.opCount() == ops)

        try f.write("b.md", Self.article("b", body: "Better body.\n"))
        let edited = try await f.run()
        #expect(edited.entries.first { $0.id == "b" }?.change == .updated)
        #expect(edited.entries.first { $0.id == "b" }?.version == 2)
        #expect(try f.admin.article("b").version.version == 2)
        #expect(try f.admin.article("b").version.body == "Better body.\n")
        #expect(try f.admin.article("a").version.version == 1)
        #expect(try f.admin.store.opCount() == ops + 1)
    }

    @Test("--prune retires articles whose file is gone, once; without it they stay; a file that returns is a new version")
    func pruneRetires() async throws {
        let f = try Fixture()
        try f.write("a.md", Self.article("a"))
        try f.write("b.md", Self.article("b"))
        _ = try await f.run()
        try f.remove("b.md")

        #expect(try await f.run().count(.retired) == 0)
        #expect(try f.admin.article("b").retired == false)

        let pruned = try await f.run(prune: true)
        #expect(pruned.entries.filter { $0.change == .retired }.map(\.id) == ["b"])
        #expect(try f.admin.article("b").retired)
        let ops = try f.admin.store.opCount()
        #expect(try await f.run(prune: true).count(.retired) == 0, "already retired")
        #expect(try f.admin.store.opCount() == ops)

        try f.write("b.md", Self.article("b"))
        let back = try await f.run(prune: true)
        #expect(back.entries.first { $0.id == "b" }?.change == .updated)
        #expect(try f.admin.article("b").retired == false)
        #expect(try f.admin.article("b").version.version == 2)
    }

    /// A bad file, the line its problem is on, and words the problem must contain.
    struct Hostile: Sendable, CustomTestStringConvertible {
        let name: String
        let content: Data
        let line: Int?
        let reason: String
        var testDescription: String { name }

        init(_ name: String, _ text: String, line: Int?, _ reason: String) {
            self.init(name, Data(text.utf8), line: line, reason)
        }
        init(_ name: String, _ content: Data, line: Int?, _ reason: String) {
            self.name = name
            self.content = content
            self.line = line
            self.reason = reason
        }
    }

    static let hostile: [Hostile] = [
        Hostile("malformed YAML", "---\nid: x\ntitle: [unclosed\n---\nbody\n", line: 4, "not valid YAML"),
        Hostile("YAML tab indentation", "---\nid: x\n\ttitle: T\n---\n", line: 3, "not valid YAML"),
        Hostile("a list as a string", "---\nid: x\ntitle: T\ndevice_models: Chiller X2\n---\n", line: 4,
                "device_models must be a list of strings"),
        Hostile("a list of lists", "---\nid: x\ntitle: T\nkeywords:\n  - [a, b]\n---\n", line: 5, "keywords must be a list of strings"),
        Hostile("a list of mappings", "---\nid: x\ntitle: T\nfault_codes: [{a: 1}]\n---\n", line: 4, "fault_codes must be a list of strings"),
        Hostile("a null list entry", "---\nid: x\ntitle: T\nkeywords: [a, ~]\n---\n", line: 4, "keywords must be a list of strings"),
        Hostile("a title that is a list", "---\nid: x\ntitle: [a, b]\n---\n", line: 3, "title must be a string"),
        Hostile("everyone not a bool", "---\nid: x\ntitle: T\neveryone: \"true\"\n---\n", line: 4, "everyone must be true or false"),
        Hostile("no front matter", "# Fan\nJust Markdown.\n", line: 1, "missing front matter"),
        Hostile("front matter never closed", "---\nid: x\ntitle: T\n", line: 1, "never closed"),
        Hostile("front matter not a mapping", "---\n- a\n- b\n---\n", line: 2, "front matter must be YAML keys"),
        Hostile("missing id", "---\ntitle: T\n---\n", line: 1, "missing id"),
        Hostile("missing title", "---\nid: x\n---\n", line: 1, "missing title"),
        Hostile("empty title", "---\nid: x\ntitle:\n---\n", line: 3, "title is empty"),
        Hostile("unknown key", "---\nid: x\ntitle: T\ndevice_model: [X2]\n---\n", line: 4, "unknown key 'device_model'"),
        Hostile("duplicate key", "---\nid: x\ntitle: T\nid: y\n---\n", line: 2, "'id' appears more than once"),
        Hostile("id escaping", "---\nid: ../x\ntitle: T\n---\n", line: 2, "id '../x' is not valid"),
        Hostile("id of dots", "---\nid: ..\ntitle: T\n---\n", line: 2, "id '..' is not valid"),
        Hostile("id with a space", "---\nid: fan guide\ntitle: T\n---\n", line: 2, "is not valid"),
        Hostile("empty id", "---\nid: \"\"\ntitle: T\n---\n", line: 2, "id is empty"),
        Hostile("id too long", "---\nid: \(String(repeating: "a", count: 101))\ntitle: T\n---\n", line: 2, "is not valid"),
        Hostile("title over the limit", "---\nid: x\ntitle: \(String(repeating: "t", count: 201))\n---\n", line: 3,
                "title is 201 characters; at most 200"),
        Hostile("bad language", "---\nid: x\ntitle: T\nlanguage: english!\n---\n", line: 4, "not a language tag"),
        Hostile("a list over the limit",
                "---\nid: x\ntitle: T\nkeywords: [\((0...256).map { "k\($0)" }.joined(separator: ", "))]\n---\n", line: 4,
                "keywords lists 257 entries; at most 256"),
        Hostile("invalid UTF-8", Data("---\nid: x\ntitle: T\n---\nbad ".utf8) + Data([0xFF, 0xFE]) + Data("\n".utf8), line: 5,
                "not valid UTF-8"),
        Hostile("a body over the limit", "---\nid: x\ntitle: T\n---\n" + String(repeating: "b", count: Op.maxTextBytes + 1), line: nil,
                "article body is longer than 64 KiB"),
        Hostile("an image escaping the folder", "---\nid: x\ntitle: T\n---\ntext\n![a](../../secret.png)\n", line: 6,
                "image '../../secret.png' is outside the imported folder"),
        Hostile("an absolute image path", "---\nid: x\ntitle: T\n---\n![a](/etc/passwd)\n", line: 5, "image '/etc/passwd' is an absolute path"),
        Hostile("a missing image", "---\nid: x\ntitle: T\n---\n\n\n![a](img/nope.png)\n", line: 7, "image 'img/nope.png' does not exist"),
        Hostile("a file: image", "---\nid: x\ntitle: T\n---\n![a](file:///etc/passwd)\n", line: 5, "use a path relative to the article"),
        Hostile("a YAML alias bomb", "---\nid: x\ntitle: T\nl0: &l0 [a, a, a, a, a, a, a, a, a]\n"
                + (1..<10).map { "l\($0): &l\($0) [\(Array(repeating: "*l\($0 - 1)", count: 9).joined(separator: ", "))]\n" }.joined()
                + "*l9 : boom\n---\n", line: 4, "YAML anchors (&name) are not allowed"),
        Hostile("an alias with no anchor", "---\nid: x\ntitle: *t\n---\n", line: 3, "not valid YAML"),
        Hostile("a folder as image", "---\nid: x\ntitle: T\n---\n![a](.)\n", line: 5, "is not a file"),
    ]

    @Test("a hostile file among good ones: nothing is imported, and the problem is named with its file and line", arguments: hostile)
    func refusesHostileFile(_ bad: Hostile) async throws {
        let f = try Fixture()
        try f.write("good.md", Self.article("good"))
        try f.write("sub/bad.md", bad.content)
        let error = try await f.refusal()
        let problem = try #require(error.problems.first, "\(error)")
        #expect(error.problems.allSatisfy { $0.file == "sub/bad.md" }, "\(error)")
        #expect(problem.line == bad.line, "\(error)")
        #expect(problem.reason.contains(bad.reason), "\(error)")
        #expect(try f.admin.store.articles().isEmpty)
        #expect(try f.admin.store.opCount() == 0)
    }

    @Test("an image past the node's attachment limit is refused by name, before it is read, and nothing is imported")
    func refusesHugeImage() async throws {
        let f = try Fixture()
        try f.write("good.md", Self.article("good"))
        try f.write("big.md", "---\nid: big\ntitle: Big\n---\n![plan](img/plan.png)\n")
        // Sparse: 257 MiB on paper, nothing on disk; hashing it would take seconds.
        let image = f.kb + "/img/plan.png"
        try f.write("img/plan.png", Data())
        let handle = try #require(FileHandle(forWritingAtPath: image))
        try handle.truncate(atOffset: (256 << 20) + 1)
        try handle.close()
        let error = try await f.refusal()
        let problem = try #require(error.problems.first, "\(error)")
        #expect(problem.file == "big.md" && problem.line == 5, "\(error)")
        #expect(problem.reason.contains("at most 256 MiB"), "\(error)")
        #expect(try f.admin.store.opCount() == 0)
    }

    @Test("an image that is a symlink out of the folder, and an article file that is one, are refused")
    func symlinksOut() async throws {
        let f = try Fixture()
        try Data("secret".utf8).write(to: URL(fileURLWithPath: f.root + "/secret.png"))
        try Self.article("outside").write(toFile: f.root + "/outside.md", atomically: true, encoding: .utf8)
        try f.write("a.md", Self.article("a", body: "![s](img/s.png)\n"))
        try FileManager.default.createDirectory(atPath: f.kb + "/img", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: f.kb + "/img/s.png", withDestinationPath: f.root + "/secret.png")
        try FileManager.default.createSymbolicLink(atPath: f.kb + "/linked.md", withDestinationPath: f.root + "/outside.md")
        // A link to a folder above is not followed (it would never end).
        try FileManager.default.createSymbolicLink(atPath: f.kb + "/loop", withDestinationPath: f.root)

        let error = try await f.refusal()
        #expect(error.problems.map(\.description) == [
            "a.md:5: image 'img/s.png' is a symlink pointing outside the imported folder",
            "linked.md: 'linked.md' is a symlink pointing outside the imported folder",
        ])
        #expect(try f.admin.store.articles().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: f.data + "/blobs/\(Self.sha256(Data("secret".utf8)).prefix(2))"))
    }

    @Test("ampersands in values are not anchors")
    func ampersands() async throws {
        let f = try Fixture()
        try f.write("a.md", "---\nid: a\ntitle: R&D notes & Q&A\nkeywords: [\"R&D\", Tom & Jerry]\n---\n")
        _ = try await f.run()
        #expect(try f.admin.article("a").version.title == "R&D notes & Q&A")
        #expect(try f.admin.article("a").version.keywords == ["R&D", "Tom & Jerry"])
    }

    @Test("a symlink inside the folder is followed")
    func symlinkInside() async throws {
        let f = try Fixture()
        try f.write("img/real.png", Self.png)
        try FileManager.default.createSymbolicLink(atPath: f.kb + "/img/alias.png", withDestinationPath: f.kb + "/img/real.png")
        try f.write("a.md", Self.article("a", body: "![s](img/alias.png)\n"))
        _ = try await f.run()
        #expect(try f.admin.article("a").version.images.map(\.hex) == [Self.sha256(Self.png)])
    }

    @Test("the same id in two files names both files, at their id lines")
    func duplicateIDs() async throws {
        let f = try Fixture()
        try f.write("a/fan.md", Self.article("fan"))
        try f.write("b/fan-copy.md", "---\ntitle: Copy\nid: fan\n---\n")
        try f.write("ok.md", Self.article("ok"))
        let error = try await f.refusal()
        #expect(error.problems.map(\.description) == [
            "a/fan.md:2: duplicate id 'fan': also used by b/fan-copy.md",
            "b/fan-copy.md:3: duplicate id 'fan': also used by a/fan.md",
        ])
        #expect(try f.admin.store.opCount() == 0)
    }

    @Test("several bad files among good ones: nothing imported, an earlier import untouched, every bad file named")
    func allBadFilesNamed() async throws {
        let f = try Fixture()
        try f.write("a.md", Self.article("a"))
        _ = try await f.run()
        let ops = try f.admin.store.opCount()
        try f.write("a.md", Self.article("a", body: "Changed.\n"))
        try f.write("new.md", Self.article("new"))
        try f.write("x/one.md", "no front matter\n")
        try f.write("x/two.md", "---\nid: two\ntitle: T\nkeywords: fan\ncolour: red\n---\n")
        let error = try await f.refusal()
        #expect(error.problems.map(\.description) == [
            "x/one.md:1: missing front matter: the file must start with a '---' line, then YAML (id:, title:, …), then '---'",
            "x/two.md:4: keywords must be a list of strings",
            "x/two.md:5: unknown key 'colour': use id, title, device_models, fault_codes, keywords, language, everyone",
        ])
        #expect("\(error)".hasPrefix("nothing imported: 2 files to fix (3 problems)"))
        #expect(try f.admin.store.opCount() == ops)
        #expect(try f.admin.article("a").version.body == "Body.\n")
        #expect(throws: NodeError.self) { try f.admin.article("new") }
    }

    @Test("a large folder reports progress every 500 files and imports in one transaction")
    func largeFolder() async throws {
        let f = try Fixture()
        for i in 0..<1_001 { try f.write("many/\(i).md", Self.article("a\(i)")) }
        var heard: [[Int]] = []
        let summary = try await f.admin.importKnowledgeBase(from: f.kb, prune: false) { heard.append([$0, $1]) }
        #expect(heard == [[500, 1_001], [1_000, 1_001], [1_001, 1_001]])
        #expect(summary.count(.new) == 1_001)
        #expect(try f.admin.store.opCount() == 1_001)
        // Sorted by path bytes: "many/0.md", "many/1.md", "many/10.md", …
        #expect(summary.entries.prefix(3).map(\.file) == ["many/0.md", "many/1.md", "many/10.md"])
    }

    @Test("a folder that is not one is a one-line error")
    func notAFolder() async throws {
        let f = try Fixture()
        await #expect(throws: KnowledgeBaseError.self) { try await f.admin.importKnowledgeBase(from: f.root + "/nope", prune: false) }
    }
}
