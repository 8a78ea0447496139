import FieldModel
import FieldTestSupport
import FieldWire
import Foundation
import Testing

/// Depots in a tree (M8): a site depot whose upstream is a regional depot whose upstream is
/// central, all real processes on loopback.
extension DepotRelayTests {
    @Test("depots in a tree: a site relays through a regional depot to central; tokens, ops and a photo cross both hops, a dispatcher's change comes down them, and every hop converges")
    func aTreeOfDepots() async throws {
        try await onOwnThread {
            let folder = try TempFolder("fieldsync-depot-tree")
            let central = try NodeProcess(data: folder.path + "/central")
            let northToken = try ok(central, "token", "create", "--role", "depot", "--name", "north")
            let mineToken = try ok(central, "token", "create", "--role", "depot", "--name", "mine2")
            try ok(central, "token", "create", "--role", "depot", "--name", "south")
            try ok(central, "depot", "add-relay", "north", "mine2")
            try ok(central, "depot", "add-engineer", "north", "E30")
            try ok(central, "depot", "add-engineer", "mine2", "E31")
            // What would not make a tree is refused in one line, and changes nothing.
            for (parent, child) in [("mine2", "north"), ("mine2", "mine2"), ("south", "mine2"), ("north", "E 31")] {
                let r = try central.admin("depot", "add-relay", parent, child)
                #expect(r.status != 0 && r.stderr.split(separator: "\n").count == 1, "\(parent) → \(child): \(r.stderr)")
            }
            #expect(try #require(try central.admin("depot", "relays", "north", "--json").json as? [String]) == ["mine2"])
            #expect(try #require(try central.admin("depot", "relays", "mine2", "--json").json as? [String]).isEmpty)
            let shared = try dispatch(central, "E30")
            try ok(central, "ticket", "assign", shared, "E31")
            let e30Token = try ok(central, "token", "create", "--role", "engineer", "--name", "E30")
            let e31Token = try ok(central, "token", "create", "--role", "engineer", "--name", "E31")

            // mine2's token, made at central, works at north once north synced: only hashes travel.
            let north = try depot("north", in: folder, upstream: central, token: northToken)
            let northPort = try #require(URL(string: north.url)?.port)
            #expect(try eventually(30) { try RawHTTP(port: northPort).request("GET", "/v1/depot/members", token: mineToken).status == 200 }, "\(north.log)")
            // The mine's token from a file: it shows in no process list.
            let tokenFile = folder.path + "/mine2.token"
            try (mineToken + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let mine = try NodeProcess(
                data: folder.path + "/mine2", extraArgs: ["--upstream", north.url, "--upstream-token-file", tokenFile, "--upstream-interval", "1"])

            // E31 works at the mine with a token made at central, E30 at north.
            let e31 = Engineer(name: "E31", home: folder.path + "/E31")
            try e31.ok("init", "--engineer", "E31")
            #expect(
                try eventually(60) { try e31.run("login", "--node", mine.url, "--token", e31Token).status == 0 && e31.run("sync").status == 0 },
                "E31's token never worked at mine2: \(mine.log)")
            let e30 = try engineer("E30", in: folder, at: north, token: e30Token)
            #expect(try eventually(30) { try e30.run("sync").status == 0 })
            let photo = try BlobTests.randomFile(folder.path + "/fault.jpg", bytes: 2_500_000, seed: 31)
            try e31.ok("photo", shared, folder.path + "/fault.jpg")
            try e31.ok("note", shared, "E31 at the mine")
            try e31.ok("sync")
            try e30.ok("note", shared, "E30 at north")
            try e30.ok("sync")

            // Both days reach central, E31's through two hops, the photo whole.
            #expect(try eventually(60) { try notes(central, shared).sorted() == ["E30 at north", "E31 at the mine"] }, "\(north.log)\n\(mine.log)")
            let stored = "\(central.data)/blobs/\(photo.hex.prefix(2))/\(photo.hex)"
            #expect(try eventually(60) { FileManager.default.fileExists(atPath: stored) }, "the photo never reached central: \(mine.log)")
            #expect(SHA256.hash(try Data(contentsOf: URL(fileURLWithPath: stored))) == photo)
            // A dispatcher at central downloads it: north vouched for E31's proof, which mine2
            // vouched for at north.
            let dispatcher = try ok(central, "token", "create", "--role", "dispatcher", "--name", "desk")
            let centralPort = try #require(URL(string: central.url)?.port)
            #expect(
                try eventually(30) {
                    let got = try RawHTTP(port: centralPort).request("GET", "/v1/blobs/\(photo.hex)", token: dispatcher)
                    return got.status == 200 && SHA256.hash(got.body) == photo
                }, "the dispatcher may not download E31's photo")

            // The dispatcher's change comes down both hops; each engineer sees the other's note.
            try ok(central, "ticket", "set", shared, "priority", "urgent")
            #expect(
                try eventually(60) {
                    _ = try e31.run("sync")
                    return (try e31.show(shared)["fields"] as? [String: String])?["priority"] == "urgent"
                }, "\(mine.log)")
            for node in [north, mine] {
                #expect(try eventually(60) { try status(node).upstreams.first.map { $0.opsWaiting == 0 && $0.blobsWaiting == 0 } == true }, "\(node.log)")
            }
            for e in [e30, e31] {
                try e.ok("sync")
                let texts = (try e.show(shared)["notes"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
                #expect(texts.sorted() == ["E30 at north", "E31 at the mine"], "\(e.name): \(texts)")
            }

            // Every hop holds the same ticket and the same ops, each once: nothing came back
            // to where it started and went round again.
            let digests = try [
                central.admin("ticket", "show", shared, "--json").object["digest"] as? String,
                north.admin("ticket", "show", shared, "--json").object["digest"] as? String,
                mine.admin("ticket", "show", shared, "--json").object["digest"] as? String,
                e30.digest(shared), e31.digest(shared),
            ]
            #expect(digests[0] != nil && Set(digests).count == 1, "\(digests)")
            let counts = try [central, north, mine].map { try checkedOps(Binaries.run("fieldsync-node", ["check", "--data", $0.data, "--json"])) }
                + [e30, e31].map { try checkedOps($0.run("check", "--json")) }
            #expect(counts[0] > 0 && Set(counts).count == 1, "ops at central, north, mine2, E30, E31: \(counts)")
            let northCopy = "\(north.data)/blobs/\(photo.hex.prefix(2))/\(photo.hex)"
            #expect(SHA256.hash(try Data(contentsOf: URL(fileURLWithPath: northCopy))) == photo)

            // The mine's own work (its site's stock, on its node's replica) goes up both hops as
            // the mine's: north claims the mine's replica at central before relaying it.
            let received = try #require(
                try mine.admin("stock", "receive", "--as", "mine2", "--location", "depot:mine2", "--part", "CAP-35UF", "--qty", "7", "--json").object["op"]
                    as? String)
            #expect(received.contains("@node-"), "the mine's own replica: \(received)")
            func levels(_ node: NodeProcess) throws -> [String] { try stockLevels(at: "depot:mine2", ["--data", node.data]) }
            #expect(try eventually(60) { try levels(central) == ["CAP-35UF 7"] }, "the mine's own op never reached central: \(north.log)")
            #expect(try levels(north) == ["CAP-35UF 7"])

            // Revoked at central: E31's token stops at the mine once north, then mine2, synced.
            let id = try #require(try central.admin("token", "list", "--json").json as? [[String: Any]]).first {
                $0["name"] as? String == "E31" && $0["role"] as? String == "engineer"
            }?["id"] as? String
            try ok(central, "token", "revoke", try #require(id))
            #expect(
                try eventually(60) {
                    let r = try e31.run("sync")
                    return r.status != 0 && r.stderr.contains("did not accept the token")
                }, "E31's revoked token still works at mine2")
        }
    }
}
