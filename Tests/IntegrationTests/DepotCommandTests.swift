import FieldTestSupport
import Foundation
import Testing

/// `fieldsync-node depot …` as an operator runs it at central (M8): who a depot serves,
/// listed for scripts, and hostile names refused in one line with nothing written.
@Suite struct DepotCommandTests {
    struct Member: Decodable {
        let engineer: String
        let removedAt: UInt64?
    }

    @Test("add, list and remove a depot's engineers; hostile names refused, nothing written")
    func depotMembers() async throws {
        try await onOwnThread {
            let folder = try TempFolder("fieldsync-depot")
            let data = folder.path + "/node"
            func node(_ args: [String]) throws -> ProcessResult { try Binaries.run("fieldsync-node", args + ["--data", data]) }
            func members(_ depot: String) throws -> [Member] {
                let r = try node(["depot", "members", depot, "--json"])
                #expect(r.status == 0, "\(r.stderr)")
                return try JSONDecoder().decode([Member].self, from: Data(r.stdout.utf8))
            }
            #expect(try node(["depot", "add-engineer", "north", "E17"]).stdout.contains("E17 is an engineer of depot north"))
            #expect(try node(["depot", "add-engineer", "north", "E18"]).status == 0)
            #expect(try node(["depot", "add-engineer", "north", "E17"]).stdout.contains("already"))
            #expect(try members("north").map(\.engineer) == ["E17", "E18"])
            #expect(try members("south").isEmpty)
            #expect(try node(["depot", "members", "south"]).stdout.contains("serves no engineer yet"))

            let before = try node(["depot", "members", "north", "--json"]).stdout
            for (args, needle) in [
                (["depot", "add-engineer", "north", ""], "engineer name"),
                (["depot", "add-engineer", "no rth", "E17"], "depot name"),
                (["depot", "add-engineer", "north", "E17;DROP TABLE depot_members"], "engineer name"),
                (["depot", "add-engineer", String(repeating: "n", count: 65), "E17"], "depot name"),
                (["depot", "add-engineer", "north", "E\u{1B}[2J17"], "engineer name"),
                (["depot", "add-engineer", "north", "é17"], "engineer name"),
                (["depot", "remove-engineer", "north", "E99"], "not an engineer of depot north"),
                (["depot", "members", "../north"], "depot name"),
            ] {
                let r = try node(args)
                #expect(r.status != 0 && r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
                #expect(r.stderr.contains(needle), "\(args): \(r.stderr) lacks \(needle)")
            }
            #expect(try node(["depot", "members", "north", "--json"]).stdout == before)

            #expect(try node(["depot", "remove-engineer", "north", "E17"]).status == 0)
            let after = try members("north")
            #expect(after.map(\.engineer) == ["E17", "E18"] && after[0].removedAt != nil && after[1].removedAt == nil)
            #expect(try node(["depot", "members", "north"]).stdout.contains("E17  (removed)"))
        }
    }

    @Test("serve --upstream refuses what cannot make a depot, in one line, before it listens")
    func upstreamRefusals() async throws {
        try await onOwnThread {
            let folder = try TempFolder("fieldsync-depot")
            let data = folder.path + "/depot"
            let token = "fs_" + String(repeating: "a", count: 64)
            let badFile = folder.path + "/bad-token"
            try "hunter2\n".write(toFile: badFile, atomically: true, encoding: .utf8)
            for (args, needle) in [
                (["serve", "--data", data, "--port", "0", "--upstream", "http://127.0.0.1:1", "--upstream-token-file", folder.path + "/none"], "cannot read the token file"),
                (["serve", "--data", data, "--port", "0", "--upstream", "http://127.0.0.1:1", "--upstream-token-file", badFile], "must be a token"),
                (["serve", "--data", data, "--port", "0", "--upstream-token", token], "goes with --upstream"),
                (["serve", "--data", data, "--upstream", "http://127.0.0.1:1"], "needs the depot's token"),
                (["serve", "--data", data, "--port", "0", "--upstream", "ftp://central", "--upstream-token", token], "not a node address"),
                (["serve", "--data", data, "--port", "0", "--upstream", "http://127.0.0.1:1", "--upstream-token", "hunter2"], "not a FieldSync token"),
                (["serve", "--postgres", "postgres://x@127.0.0.1:1/x", "--upstream", "http://127.0.0.1:1", "--upstream-token", token], "is for a depot"),
            ] {
                let r = try Binaries.run("fieldsync-node", args)
                #expect(r.status != 0 && r.stderr.lowercased().hasPrefix("error: "), "\(args): \(r.stderr)")
                #expect(r.stderr.contains(needle) && !r.stderr.contains("hunter2"), "\(args): \(r.stderr) lacks \(needle)")
            }
            // status: a folder with no node is refused, and nothing is made there.
            let none = try Binaries.run("fieldsync-node", ["status", "--data", folder.path + "/nothing"])
            #expect(none.status != 0 && none.stderr.hasPrefix("error: no node at") && none.stderr.split(separator: "\n").count == 1, "\(none.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.path + "/nothing"))
        }
    }
}
