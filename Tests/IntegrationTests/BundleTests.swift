import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import Testing

/// Bundles for a site with no uplink (M8): the site's node (`serve`, no `--upstream`), its
/// engineers' `fieldsync`, and central's folder, with files carried between them.
@Suite struct BundleTests {
    /// A site and a central with a depot token for it, and the commands that move bundles.
    struct Sites {
        let folder: TempFolder
        /// Central: a data folder, or a PostgreSQL database.
        let central: [String]
        let site: NodeProcess
        let tokenFile: String

        init(postgres: String? = nil) throws {
            folder = try TempFolder("fieldsync-bundle")
            central = postgres.map { ["--postgres", $0] } ?? ["--data", folder.path + "/central"]
            let token = try Self.ok(["token", "create", "--role", "depot", "--name", "ship"] + central).stdout
            tokenFile = folder.path + "/ship.token"
            try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            site = try NodeProcess(data: folder.path + "/site")
        }

        @discardableResult
        static func ok(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
            let r = try Binaries.run("fieldsync-node", args)
            #expect(r.status == 0, "\(args.joined(separator: " ")): \(r.stderr)", sourceLocation: sourceLocation)
            return r
        }

        /// An admin command at central that must succeed; its output, trimmed.
        @discardableResult
        func atCentral(_ args: String...) throws -> String { try Self.ok(args + central).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

        /// Export at the site, import at central, import the answer at the site: the two
        /// reports (central's, the site's).
        @discardableResult
        func roundTrip(_ name: String) throws -> (request: String, answer: String, central: [String: Any], site: [String: Any]) {
            let (request, answer) = (folder.path + "/\(name).fsb", folder.path + "/\(name)-answer.fsb")
            try Self.ok(["bundle", "export", "--data", site.data, "--for", "central", "--out", request, "--token-file", tokenFile])
            let atCentral = try Self.ok(["bundle", "import", request, "--answer", answer, "--json"] + central).object
            let atSite = try Self.ok(["bundle", "import", "--data", site.data, answer, "--json", "--token-file", tokenFile]).object
            return (request, answer, atCentral, atSite)
        }

        func notes(_ ticket: String, at store: [String]) throws -> [String] {
            let json = try Self.ok(["ticket", "show", ticket, "--json"] + store).object
            return (json["notes"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        }

        func digest(_ ticket: String, at store: [String]) throws -> String? {
            try Self.ok(["ticket", "show", ticket, "--json"] + store).object["digest"] as? String
        }
    }

    /// Whether central serves `photo` whole to a dispatcher, checked by its SHA-256.
    static func centralHolds(_ photo: Digest, _ s: Sites) throws -> Bool {
        let desk = try s.atCentral("token", "create", "--role", "dispatcher", "--name", "desk-\(photo.hex.prefix(6))")
        let node = try s.central[0] == "--postgres" ? NodeProcess(postgres: s.central[1], logPath: s.folder.path + "/central.log") : NodeProcess(data: s.central[1])
        let got = try RawHTTP(port: RawHTTP.port(of: node.url)).request("GET", "/v1/blobs/\(photo.hex)", token: desk)
        return got.status == 200 && SHA256.hash(got.body) == photo
    }

    static func engineer(_ name: String, _ sites: Sites, token: String) throws -> Engineer {
        let e = Engineer(name: name, home: sites.folder.path + "/\(name)")
        try e.ok("init", "--engineer", name)
        try e.ok("login", "--node", sites.site.url, "--token", token)
        return e
    }

    /// A site with no network: the shift's ops and photos reach central by bundle, central's
    /// answer reaches the engineers, every hop converges, and nothing is applied twice.
    @Test(arguments: ["sqlite", "postgres"])
    func aRoundTripByBundles(_ backend: String) async throws {
        let postgres = backend == "postgres" ? try await TestPostgres.shared().database("bundle_e2e") : nil
        try await onOwnThread {
            let s = try Sites(postgres: postgres)
            for name in ["E17", "E18"] { try s.atCentral("depot", "add-engineer", "ship", name) }
            let shared = try s.atCentral(
                "ticket", "create", "--customer", "Acme", "--site", "Ship 4", "--device-model", "Chiller X2", "--category", "repair",
                "--fault", "Compressor trips", "--assign", "E17")
            try s.atCentral("ticket", "assign", shared, "E18")
            let other = try s.atCentral(
                "ticket", "create", "--customer", "Acme", "--site", "Plant 9", "--device-model", "Pump", "--category", "repair",
                "--fault", "Leak", "--assign", "E20")
            let e17Token = try s.atCentral("token", "create", "--role", "engineer", "--name", "E17")
            // The ship relays a launch's depot, which serves E19: the ship learns both by bundle.
            let launchToken = try s.atCentral("token", "create", "--role", "depot", "--name", "launch")
            try s.atCentral("depot", "add-relay", "ship", "launch")
            try s.atCentral("depot", "add-engineer", "launch", "E19")

            // The first round trip brings the site its engineers' tickets and tokens (E20's stays).
            let first = try s.roundTrip("first")
            #expect(first.site["ops"] as? Int == 2, "\(first.site)")
            #expect(try #require(try Sites.ok(["depot", "relays", "--data", s.site.data, "ship", "--json"]).json as? [String]) == ["launch"])
            let launchMembers = try #require(try Sites.ok(["depot", "members", "--data", s.site.data, "launch", "--json"]).json as? [[String: Any]])
            #expect(launchMembers.compactMap { $0["engineer"] as? String } == ["E19"])
            let launch = try RawHTTP(port: RawHTTP.port(of: s.site.url)).request("GET", "/v1/depot/members", token: launchToken)
            #expect(launch.status == 200, "the launch's token made at central does not work at the ship")
            #expect(try s.notes(shared, at: ["--data", s.site.data]).isEmpty)
            #expect(try Binaries.run("fieldsync-node", ["ticket", "show", other, "--data", s.site.data]).status != 0, "E20's ticket reached the ship")

            // The shift, at the site: E17's token made at central works there now.
            let e17 = try Self.engineer("E17", s, token: e17Token)
            let e18 = try Self.engineer("E18", s, token: try s.site.admin("token", "create", "--role", "engineer", "--name", "E18").stdout)
            try e17.ok("sync")
            try e18.ok("sync")
            let photo = try BlobTests.randomFile(s.folder.path + "/fault.jpg", bytes: 300_000, seed: 4)
            try e17.ok("photo", shared, s.folder.path + "/fault.jpg")
            try e17.ok("note", shared, "E17: compressor replaced")
            try e18.ok("note", shared, "E18: tested, holds pressure")
            try e17.ok("sync")
            try e18.ok("sync")
            try e17.ok("sync")
            #expect(try e17.ok("show", shared).stdout.contains("E18: tested"))
            // The launch relays to the ship over the ship's LAN; its own stock receipt goes to
            // central in the ship's bundle, which claims the launch's replica for it.
            let launchTokenFile = s.folder.path + "/launch.token"
            try launchToken.write(toFile: launchTokenFile, atomically: true, encoding: .utf8)
            let launchNode = try NodeProcess(
                data: s.folder.path + "/launch", extraArgs: ["--upstream", s.site.url, "--upstream-token-file", launchTokenFile, "--upstream-interval", "1"])
            let received = try launchNode.admin("stock", "receive", "--as", "launch", "--location", "depot:launch", "--part", "CAP-35UF", "--qty", "5")
            #expect(received.status == 0, "\(received.stderr)")
            #expect(
                eventually(60) { (try? stockLevels(at: "depot:launch", ["--data", s.site.data])) == ["CAP-35UF 5"] },
                "the launch never relayed to the ship: \(launchNode.log)")

            // A dispatcher's change at central, before the stick arrives.
            try s.atCentral("ticket", "set", shared, "priority", "urgent")
            let second = try s.roundTrip("second")
            #expect(second.central["applied"] as? Int == 4, "\(second.central)")
            #expect(try stockLevels(at: "depot:launch", s.central) == ["CAP-35UF 5"], "the launch's own op did not reach central")
            #expect(second.site["applied"] as? Int == 1, "\(second.site)")
            let atCentral = try s.notes(shared, at: s.central)
            #expect(atCentral.sorted() == ["E17: compressor replaced", "E18: tested, holds pressure"], "\(atCentral)")
            #expect((second.central["refused"] as? [String])?.isEmpty == true, "\(second.central)")
            // Central holds the photo whole: a dispatcher downloads it (the site vouched for E17).
            #expect(try Self.centralHolds(photo, s))
            try e18.ok("sync")
            #expect((try e18.show(shared)["fields"] as? [String: String])?["priority"] == "urgent")

            // The same bundles again: nothing new anywhere.
            let again = try Sites.ok(["bundle", "import", second.request, "--answer", s.folder.path + "/again.fsb", "--json"] + s.central).object
            #expect(again["applied"] as? Int == 0, "\(again)")
            let replay = try Sites.ok(["bundle", "import", "--data", s.site.data, second.answer, "--json", "--token-file", s.tokenFile]).object
            #expect(replay["applied"] as? Int == 0, "\(replay)")
            // An older answer after a newer one would take back what the newer brought: refused.
            let older = try Binaries.run("fieldsync-node", ["bundle", "import", "--data", s.site.data, first.answer, "--token-file", s.tokenFile])
            #expect(older.status != 0 && older.stderr.contains("older than one taken in"), "\(older.stderr)")
            // Central's clock stepped back a day since its last answer (as the site's record says
            // by moving that answer a day ahead): the next answer is still newer, and taken in.
            let siteStore = try ReplicaStore.open(at: s.site.data + "/node.sqlite")
            let answeredAt = try #require(try siteStore.bundleAnswered("bundle:central"))
            try siteStore.noteBundleAnswered("bundle:central", created: answeredAt + 86_400_000)
            // Nothing waits: a third round trip carries no op either way.
            let third = try s.roundTrip("third")
            #expect(third.central["applied"] as? Int == 0 && third.site["applied"] as? Int == 0)
            #expect(try siteStore.bundleAnswered("bundle:central") == answeredAt + 86_400_001)

            try e17.ok("sync")
            let digests = try [s.digest(shared, at: s.central), s.digest(shared, at: ["--data", s.site.data]), e17.digest(shared), e18.digest(shared)]
            #expect(digests[0] != nil && Set(digests).count == 1, "\(digests)")
        }
    }

    @Test("a truncated, altered or misaddressed bundle is refused whole, in one line, and changes nothing")
    func damagedBundlesChangeNothing() async throws {
        try await onOwnThread {
            let s = try Sites()
            try s.atCentral("depot", "add-engineer", "ship", "E17")
            let t = try s.atCentral(
                "ticket", "create", "--customer", "Acme", "--site", "Ship 4", "--device-model", "Chiller X2", "--category", "repair",
                "--fault", "Compressor trips", "--assign", "E17")
            try s.roundTrip("first")
            let e17 = try Self.engineer("E17", s, token: try s.site.admin("token", "create", "--role", "engineer", "--name", "E17").stdout)
            try e17.ok("sync")
            _ = try BlobTests.randomFile(s.folder.path + "/p.jpg", bytes: 100_000, seed: 9)
            try e17.ok("photo", t, s.folder.path + "/p.jpg")
            try e17.ok("note", t, "fixed")
            try e17.ok("sync")
            let request = s.folder.path + "/request.fsb"
            try Sites.ok(["bundle", "export", "--data", s.site.data, "--for", "central", "--out", request, "--token-file", s.tokenFile])
            let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: request)))
            // The token itself is not on the stick (its hash seals the bundle).
            let token = try String(contentsOfFile: s.tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!String(decoding: good, as: UTF8.self).contains(token) && !String(decoding: good, as: UTF8.self).contains("fs_"))
            let before = try s.digest(t, at: s.central)
            // The photo rides in it, last before the checksum.
            try #require(good.count > 100_000, "the photo is not in the bundle: \(good.count) bytes")

            var damaged: [(String, [UInt8], String)] = [
                ("empty", [], "not a FieldSync bundle"),
                ("another file", Array("PK\u{3}\u{4} a zip".utf8), "not a FieldSync bundle"),
                ("one byte more", good + [0], "follow its checksum"),
            ]
            for cut in [8, 12, 100, good.count / 2, good.count - 33, good.count - 1] {
                damaged.append(("truncated at \(cut)", Array(good[..<cut]), "truncated"))
            }
            // The header, a frame, the photo: the checksum says so. The seal (the trailer's last
            // 32 bytes): it is no depot's here.
            for (at, needle) in [(20, "refused whole"), (200, "refused whole"), (good.count - 50_000, "refused whole"), (good.count - 5, "sealed with no live depot token")] {
                var bytes = good
                bytes[at] ^= 0x40
                damaged.append(("byte \(at) flipped", bytes, needle))
            }
            for (name, bytes, needle) in damaged {
                let path = s.folder.path + "/damaged.fsb"
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let r = try Binaries.run("fieldsync-node", ["bundle", "import", path, "--answer", s.folder.path + "/a.fsb"] + s.central)
                #expect(r.status != 0, "\(name): taken in")
                #expect(r.stderr.contains(needle) && r.stderr.split(separator: "\n").count == 1, "\(name): \(r.stderr)")
                #expect(!FileManager.default.fileExists(atPath: s.folder.path + "/a.fsb"), "\(name): an answer was written")
            }
            #expect(try s.digest(t, at: s.central) == before && s.notes(t, at: s.central).isEmpty, "a damaged bundle changed central")

            // An answer not sealed with the site's token (written for another token, or forged):
            // refused, and so is one taken in without a token.
            let raft = s.folder.path + "/raft.token"
            try s.atCentral("token", "create", "--role", "depot", "--name", "raft").write(toFile: raft, atomically: true, encoding: .utf8)
            let (raftRequest, raftAnswer) = (s.folder.path + "/raft.fsb", s.folder.path + "/raft-answer.fsb")
            try Sites.ok(["bundle", "export", "--data", s.site.data, "--for", "central", "--out", raftRequest, "--token-file", raft])
            try Sites.ok(["bundle", "import", raftRequest, "--answer", raftAnswer] + s.central)
            let unsealed = try Binaries.run("fieldsync-node", ["bundle", "import", "--data", s.site.data, raftAnswer, "--token-file", s.tokenFile])
            #expect(unsealed.status != 0 && unsealed.stderr.contains("not sealed with this site's token"), "\(unsealed.stderr)")
            let tokenless = try Binaries.run("fieldsync-node", ["bundle", "import", "--data", s.site.data, raftAnswer], env: ["FIELDSYNC_UPSTREAM_TOKEN": ""])
            #expect(tokenless.status != 0 && tokenless.stderr.contains("--token-file"), "\(tokenless.stderr)")

            // A revoked token: refused whole.
            let tokens = try #require(try Sites.ok(["token", "list", "--json"] + s.central).json as? [[String: Any]])
            let ship = try #require(tokens.first { $0["name"] as? String == "ship" }?["id"] as? String)
            try s.atCentral("token", "revoke", ship)
            let revoked = try Binaries.run("fieldsync-node", ["bundle", "import", request, "--answer", s.folder.path + "/a.fsb"] + s.central)
            #expect(revoked.status != 0 && revoked.stderr.contains("unknown or revoked"), "\(revoked.stderr)")
            #expect(try s.notes(t, at: s.central).isEmpty)

            // An answer for another site, and a request taken to the site: refused.
            let first = s.folder.path + "/first-answer.fsb"
            let other = try NodeProcess(data: s.folder.path + "/other")
            let misaddressed = try Binaries.run("fieldsync-node", ["bundle", "import", "--data", other.data, first, "--token-file", s.tokenFile])
            #expect(misaddressed.status != 0 && misaddressed.stderr.contains("not this one"), "\(misaddressed.stderr)")
            let backwards = try Binaries.run("fieldsync-node", ["bundle", "import", "--data", s.site.data, request, "--token-file", s.tokenFile])
            #expect(backwards.status != 0 && backwards.stderr.contains("--answer"), "\(backwards.stderr)")
            // Hostile names and missing tokens at export: refused, nothing written.
            for (args, needle) in [
                (["--for", "../central", "--token-file", s.tokenFile], "--for"), (["--for", "", "--token-file", s.tokenFile], "--for"),
                (["--for", "central", "--token-file", s.folder.path + "/none"], "cannot read"),
            ] {
                let out = s.folder.path + "/x.fsb"
                let r = try Binaries.run("fieldsync-node", ["bundle", "export", "--data", s.site.data, "--out", out] + args, env: ["FIELDSYNC_UPSTREAM_TOKEN": ""])
                #expect(r.status != 0 && r.stderr.contains(needle), "\(args): \(r.stderr)")
                #expect(!FileManager.default.fileExists(atPath: out))
            }
        }
    }
}
