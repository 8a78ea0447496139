import FieldModel
import FieldTestSupport
import FieldWire
import Foundation
import Testing

/// A depot relaying to central (M8), all real processes on loopback: `fieldsync-node serve
/// --upstream`, central's `serve`, and engineers' `fieldsync` replicas.
@Suite struct DepotRelayTests {
    struct Status: Decodable {
        struct Upstream: Decodable {
            let url: String
            let lastSync: String?
            let opsWaiting: UInt64
            let blobsWaiting: Int
            let lastError: String?
        }

        let replica: String
        let upstreams: [Upstream]
    }

    /// `fieldsync-node status --json` of a node's folder, read while it runs.
    func status(_ node: NodeProcess) throws -> Status {
        let r = try Binaries.run("fieldsync-node", ["status", "--data", node.data, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONDecoder().decode(Status.self, from: Data(r.stdout.utf8))
    }

    /// An admin command that must succeed; its output, trimmed.
    @discardableResult
    func ok(_ node: NodeProcess, _ args: String...) throws -> String {
        let r = try node.admin(args)
        #expect(r.status == 0, "\(args.joined(separator: " ")): \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The notes' texts of a ticket as `node` holds it.
    func notes(_ node: NodeProcess, _ ticket: String) throws -> [String] {
        let json = try node.admin("ticket", "show", ticket, "--json").object
        return (json["notes"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
    }

    /// A ticket dispatched at `central` to `engineer`; its id.
    func dispatch(_ central: NodeProcess, _ engineer: String) throws -> String {
        try ok(
            central, "ticket", "create", "--customer", "Acme", "--site", "Plant 3", "--device-model", "Chiller X2", "--category", "repair",
            "--fault", "Compressor trips", "--assign", engineer)
    }

    /// A depot in `folder`/`name`, relaying to `upstream` every second with `token`.
    func depot(_ name: String = "depot", in folder: TempFolder, upstream: NodeProcess, token: String) throws -> NodeProcess {
        try NodeProcess(data: folder.path + "/" + name, extraArgs: ["--upstream", upstream.url, "--upstream-token", token, "--upstream-interval", "1"])
    }

    /// `fieldsync-node check --json` of a store: its op count, the store clean.
    func checkedOps(_ r: ProcessResult) throws -> Int {
        let report = try r.object
        #expect(r.status == 0 && (report["integrity"] as? [Any])?.isEmpty == true, "\(r.stdout)")
        return try #require(report["opsChecked"] as? Int)
    }

    /// An engineer's device in `folder`, logged in at `node` with `token` (one made there for
    /// the engineer when none is given).
    func engineer(_ name: String, in folder: TempFolder, at node: NodeProcess, token: String? = nil) throws -> Engineer {
        let e = Engineer(name: name, home: folder.path + "/\(name)")
        try e.ok("init", "--engineer", name)
        try e.ok("login", "--node", node.url, "--token", try token ?? ok(node, "token", "create", "--role", "engineer", "--name", name))
        return e
    }

    @Test("central away for the whole shift: engineers sync their day at the depot; central back, it converges with nothing lost or twice, and a dispatcher's change reaches them through the depot")
    func aShiftWhileCentralIsAway() async throws {
        try await onOwnThread {
            let folder = try TempFolder("fieldsync-depot")
            var central = try NodeProcess(data: folder.path + "/central")
            let port = try #require(URL(string: central.url)?.port)
            let depotToken = try ok(central, "token", "create", "--role", "depot", "--name", "north")
            try ok(central, "depot", "add-engineer", "north", "E17")
            try ok(central, "depot", "add-engineer", "north", "E18")
            let t17 = try dispatch(central, "E17")
            let t18 = try dispatch(central, "E18")
            // E20 is no engineer of north's: their ticket stays at central.
            let t20 = try dispatch(central, "E20")

            let depot = try depot(in: folder, upstream: central, token: depotToken)
            // The depot pulls its engineers' tickets before the shift, and no one else's.
            #expect(try eventually { (try depot.admin("tickets", "--json").json as? [Any])?.count == 2 }, "the depot never got central's tickets: \(depot.log)")
            #expect(try depot.admin("ticket", "show", t20).status != 0, "E20's ticket reached north")
            // E19 is not one of north's engineers at central: a ticket and a token made at the depot alone.
            let t19 = try ok(
                depot, "ticket", "create", "--customer", "Acme", "--site", "Yard", "--device-model", "Pump P1", "--category", "repair",
                "--fault", "Leak", "--assign", "E19")

            // Engineers log in at the depot, with tokens made there (central's travel too: below).
            let e17 = try engineer("E17", in: folder, at: depot)
            let e18 = try engineer("E18", in: folder, at: depot)
            let e19 = try engineer("E19", in: folder, at: depot)
            try e17.ok("sync")
            try e18.ok("sync")
            try e19.ok("sync")

            // The depot's own ticket went up (central quarantines it: E19 is none of north's).
            #expect(try eventually { try status(depot).upstreams.first?.opsWaiting == 0 }, "\(depot.log)")
            // Central goes away for the whole shift; the engineers work and sync at the depot.
            _ = central.stop()
            for i in 1...3 {
                try e17.ok("note", t17, "E17 step \(i)")
                try e18.ok("note", t18, "E18 step \(i)")
            }
            try e19.ok("note", t19, "E19 was here")
            try e17.ok("sync")
            try e18.ok("sync")
            try e19.ok("sync")
            #expect(try notes(depot, t17) == ["E17 step 1", "E17 step 2", "E17 step 3"])
            #expect(try notes(depot, t18) == ["E18 step 1", "E18 step 2", "E18 step 3"])
            #expect(try eventually(5) { depot.log.contains("upstream sync failed") }, "the depot did not notice central was away: \(depot.log)")
            // Its status says so: the six notes wait, and why.
            let away = try #require(try status(depot).upstreams.first)
            #expect(away.url == central.url && away.opsWaiting == 7 && away.lastError?.contains("cannot reach") == true, "\(away)")

            // Central comes back on its address; the depot relays the day, once.
            central = try NodeProcess(data: central.data, extraArgs: ["--port", "\(port)"])
            #expect(try eventually { try notes(central, t17).count == 3 && notes(central, t18).count == 3 }, "central did not get the day: \(depot.log)")
            #expect(try notes(central, t17) == ["E17 step 1", "E17 step 2", "E17 step 3"])
            // E19's note is held back (central refuses north's relaying E19), and stops nothing else.
            #expect(try eventually(10) { try status(depot).upstreams.first.map { $0.opsWaiting == 1 && $0.lastSync != nil } == true })
            #expect(depot.log.contains("held back") && depot.log.contains("e19-"), "\(depot.log)")
            #expect(try notes(central, t19).isEmpty)

            // A dispatcher's change at central reaches E17 through the depot.
            try ok(central, "ticket", "set", t17, "priority", "urgent")
            #expect(try eventually { (try depot.admin("ticket", "show", t17, "--json").object["fields"] as? [String: String])?["priority"] == "urgent" })
            try e17.ok("sync")
            #expect((try e17.show(t17)["fields"] as? [String: String])?["priority"] == "urgent")

            // Every hop holds the same ticket: central, the depot, the engineer's device.
            let digests = try [
                central.admin("ticket", "show", t17, "--json").object["digest"] as? String,
                depot.admin("ticket", "show", t17, "--json").object["digest"] as? String,
                e17.digest(t17),
            ]
            #expect(digests[0] != nil && Set(digests).count == 1, "\(digests)")
            #expect(try central.admin("ticket", "show", t18, "--json").object["digest"] as? String == depot.admin("ticket", "show", t18, "--json").object["digest"] as? String)
        }
    }

    @Test("an engineer's token made at central works at their depot once it synced, and stops there at the sync after central revokes it")
    func tokensMadeAtCentralWorkAtTheDepot() async throws {
        try await onOwnThread {
            let folder = try TempFolder("fieldsync-depot")
            let central = try NodeProcess(data: folder.path + "/central")
            let depotToken = try ok(central, "token", "create", "--role", "depot", "--name", "north")
            try ok(central, "depot", "add-engineer", "north", "E17")
            let e17Token = try ok(central, "token", "create", "--role", "engineer", "--name", "E17")
            let e18Token = try ok(central, "token", "create", "--role", "engineer", "--name", "E18")
            let depot = try depot(in: folder, upstream: central, token: depotToken)
            #expect(try eventually { try status(depot).upstreams.first?.lastSync != nil }, "\(depot.log)")

            let e17 = Engineer(name: "E17", home: folder.path + "/E17")
            try e17.ok("init", "--engineer", "E17")
            #expect(try eventually { try e17.run("login", "--node", depot.url, "--token", e17Token).status == 0 && e17.run("sync").status == 0 })
            // E18 is not north's engineer: their token does not work there.
            let e18 = Engineer(name: "E18", home: folder.path + "/E18")
            try e18.ok("init", "--engineer", "E18")
            try e18.ok("login", "--node", depot.url, "--token", e18Token)
            #expect(try e18.run("sync").status != 0)
            // Only hashes travel: the depot's files never hold the token itself.
            let files = try FileManager.default.contentsOfDirectory(atPath: depot.data).compactMap { FileManager.default.contents(atPath: depot.data + "/" + $0) }
            #expect(!files.contains { String(decoding: $0, as: UTF8.self).contains(e17Token) })

            // Revoked at central: refused at the depot once it synced again.
            let id = try #require(try central.admin("token", "list", "--json").json as? [[String: Any]]).first { $0["name"] as? String == "E17" && $0["role"] as? String == "engineer" }?["id"] as? String
            try ok(central, "token", "revoke", try #require(id))
            #expect(try eventually { try e17.run("sync").status != 0 }, "E17's revoked token still works at the depot")
        }
    }

    @Test("central restored from a backup older than what it acknowledged: the depot sends again what central lost, and it converges")
    func centralRestoredFromABackup() async throws {
        try await onOwnThread {
            let folder = try TempFolder("fieldsync-depot")
            var central = try NodeProcess(data: folder.path + "/central")
            let port = try #require(URL(string: central.url)?.port)
            let depotToken = try ok(central, "token", "create", "--role", "depot", "--name", "north")
            try ok(central, "depot", "add-engineer", "north", "E17")
            let t17 = try dispatch(central, "E17")
            let depot = try depot(in: folder, upstream: central, token: depotToken)
            #expect(try eventually { (try depot.admin("tickets", "--json").json as? [Any])?.count == 1 }, "\(depot.log)")
            let e17 = try engineer("E17", in: folder, at: depot)
            try e17.ok("sync")
            try e17.ok("note", t17, "before the backup")
            try e17.ok("sync")
            #expect(try eventually { try notes(central, t17) == ["before the backup"] }, "\(depot.log)")

            // The backup, taken with central stopped; then two more notes reach central.
            _ = central.stop()
            let backup = folder.path + "/backup"
            try FileManager.default.copyItem(atPath: central.data, toPath: backup)
            central = try NodeProcess(data: central.data, extraArgs: ["--port", "\(port)"])
            try e17.ok("note", t17, "after the backup 1")
            try e17.ok("note", t17, "after the backup 2")
            try e17.ok("sync")
            #expect(try eventually { try notes(central, t17).count == 3 }, "\(depot.log)")

            // Central is restored from the backup: it holds the first note alone, and the depot
            // recorded three as acknowledged. With nothing new, central gets the two back.
            _ = central.stop()
            try FileManager.default.removeItem(atPath: central.data)
            try FileManager.default.copyItem(atPath: backup, toPath: central.data)
            central = try NodeProcess(data: central.data, extraArgs: ["--port", "\(port)"])
            #expect(try eventually { try notes(central, t17).count == 3 }, "central never got back what the backup lacked: \(depot.log)")
            // One more note, and central holds all four, once.
            try e17.ok("note", t17, "after the restore")
            try e17.ok("sync")
            let all = ["before the backup", "after the backup 1", "after the backup 2", "after the restore"]
            #expect(try eventually { try notes(central, t17) == all }, "central did not converge after its restore: \(depot.log)")
        }
    }

    @Test("three engineers share a ticket at the depot while central is away; photos and pages cross an uplink cut again and again, both ways, and every hop converges")
    func sharedTicketThroughACutUplink() async throws {
        try await onOwnThread {
            let folder = try TempFolder("fieldsync-depot")
            var central = try NodeProcess(data: folder.path + "/central")
            let port = try #require(URL(string: central.url)?.port)
            let depotToken = try ok(central, "token", "create", "--role", "depot", "--name", "north")
            for name in ["E17", "E18", "E19"] { try ok(central, "depot", "add-engineer", "north", name) }
            // One ticket the three engineers share (each was assigned it in turn), first E20's,
            // who works at central itself: a photo there must come down to the depot.
            let shared = try dispatch(central, "E20")
            for name in ["E17", "E18", "E19"] { try ok(central, "ticket", "assign", shared, name) }
            let e20 = try engineer("E20", in: folder, at: central)
            try e20.ok("sync")
            let before = try BlobTests.randomFile(folder.path + "/before.jpg", bytes: 600_000, seed: 20)
            try e20.ok("photo", shared, folder.path + "/before.jpg")
            try e20.ok("sync")
            // E19's token is made at central: it works at the depot once the depot synced.
            let e19Token = try ok(central, "token", "create", "--role", "engineer", "--name", "E19")

            // The uplink: uploads cut three times inside the 6 MB photo below; answers (pull
            // pages, the photo coming down) cut five times, the first ones in the first pages.
            let answers = try CuttingProxy(targetPort: port, cutAfter: [900, 1_700, 2_600, 200_000, 420_000], counting: .toClient)
            defer { answers.stop() }
            let uploads = try CuttingProxy(targetPort: answers.port, cutAfter: [1_500_000, 3_000_000, 4_500_000])
            defer { uploads.stop() }
            let depot = try NodeProcess(
                data: folder.path + "/depot", extraArgs: ["--upstream", uploads.url, "--upstream-token", depotToken, "--upstream-interval", "1"])
            let depotCopy = "\(depot.data)/blobs/\(before.hex.prefix(2))/\(before.hex)"
            #expect(try eventually(60) { FileManager.default.fileExists(atPath: depotCopy) }, "E20's photo never came down: \(depot.log)")
            #expect(SHA256.hash(try Data(contentsOf: URL(fileURLWithPath: depotCopy))) == before)

            // The three engineers sync at the depot.
            let e17 = try engineer("E17", in: folder, at: depot)
            let e18 = try engineer("E18", in: folder, at: depot)
            let e19 = try engineer("E19", in: folder, at: depot, token: e19Token)
            for e in [e17, e18, e19] { try e.ok("sync") }

            // Central goes away for the shift (its link); its dispatcher works on at central.
            _ = central.stop()
            try ok(central, "ticket", "set", shared, "priority", "urgent")
            let photo = try BlobTests.randomFile(folder.path + "/fault.jpg", bytes: 6_000_000, seed: 17)
            try e17.ok("photo", shared, folder.path + "/fault.jpg")
            for (i, e) in [e17, e18, e19].enumerated() {
                try e.ok("note", shared, "\(e.name) step 1")
                try e.ok("sync")
                if i == 0 { #expect(try e17.ok("show", shared).stdout.contains("[local]")) }
            }
            // Each sees the others' work on the shared ticket, and fetches the photos at the depot.
            for e in [e17, e18, e19] {
                try e.ok("sync")
                let texts = (try e.show(shared)["notes"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
                #expect(texts.sorted() == ["E17 step 1", "E18 step 1", "E19 step 1"], "\(e.name): \(texts)")
            }
            #expect((try e18.ok("fetch", shared, "--json").object["fetched"] as? Int) == 2)
            #expect((try e17.ok("fetch", shared, "--json").object["fetched"] as? Int) == 1)
            let away = try #require(try status(depot).upstreams.first)
            #expect(away.blobsWaiting == 1 && away.opsWaiting >= 4, "\(away)")

            // Central back on its address: the day goes up through the cuts, the photo whole.
            central = try NodeProcess(data: central.data, extraArgs: ["--port", "\(port)"])
            #expect(try eventually(90) { try status(depot).upstreams.first.map { $0.opsWaiting == 0 && $0.blobsWaiting == 0 } == true }, "\(depot.log)")
            #expect(uploads.cuts == 3 && answers.cuts == 5, "cuts: \(uploads.cuts) up, \(answers.cuts) down")
            #expect(try notes(central, shared).sorted() == ["E17 step 1", "E18 step 1", "E19 step 1"])
            let stored = try Data(contentsOf: URL(fileURLWithPath: "\(central.data)/blobs/\(photo.hex.prefix(2))/\(photo.hex)"))
            #expect(SHA256.hash(stored) == photo)
            // A dispatcher at central downloads E17's photo: the depot vouched for E17's proof.
            let dispatcher = try ok(central, "token", "create", "--role", "dispatcher", "--name", "desk")
            let got = try RawHTTP(port: port).request("GET", "/v1/blobs/\(photo.hex)", token: dispatcher)
            #expect(got.status == 200 && SHA256.hash(got.body) == photo, "HTTP \(got.status)")

            // Every hop holds the same ticket.
            for e in [e17, e18, e19, e20] { try e.ok("sync") }
            let digests = try [
                central.admin("ticket", "show", shared, "--json").object["digest"] as? String,
                depot.admin("ticket", "show", shared, "--json").object["digest"] as? String,
                e17.digest(shared), e18.digest(shared), e19.digest(shared), e20.digest(shared),
            ]
            #expect(digests[0] != nil && Set(digests).count == 1, "\(digests)")
            // The dispatcher's change reached every engineer through the depot.
            for e in [e17, e18, e19] { #expect((try e.show(shared)["fields"] as? [String: String])?["priority"] == "urgent", "\(e.name)") }
            // And the same ops at every hop, each once, every store clean.
            let counts = try [
                checkedOps(Binaries.run("fieldsync-node", ["check", "--data", central.data, "--json"])),
                checkedOps(Binaries.run("fieldsync-node", ["check", "--data", depot.data, "--json"])),
            ] + [e17, e18, e19, e20].map { try checkedOps($0.run("check", "--json")) }
            #expect(counts[0] > 0 && Set(counts).count == 1, "ops at central, the depot, E17–E20: \(counts)")
        }
    }

    @Test("a vouch is a depot's, for a blob it proved it holds, for its own engineers: anything else is refused and records nothing")
    func vouchesAreRefusedOutsideTheRules() async throws {
        try await onOwnThread {
            let folder = try TempFolder("fieldsync-depot")
            let central = try NodeProcess(data: folder.path + "/central")
            let port = try #require(URL(string: central.url)?.port)
            let depotToken = try ok(central, "token", "create", "--role", "depot", "--name", "north")
            let desk = try ok(central, "token", "create", "--role", "dispatcher", "--name", "desk")
            try ok(central, "depot", "add-engineer", "north", "E17")
            let t = try dispatch(central, "E17")
            let e17 = try engineer("E17", in: folder, at: central)
            try e17.ok("sync")
            let bytes = try BlobTests.randomFile(folder.path + "/p.jpg", bytes: 50_000, seed: 5)
            try e17.ok("photo", t, folder.path + "/p.jpg")
            try e17.ok("sync")

            func vouch(_ body: String, token: String) throws -> RawHTTP.Answer {
                try RawHTTP(port: port).request(
                    "POST", "/v1/depot/vouch", token: token, headers: ["Content-Type": "application/json"], body: Array(body.utf8))
            }
            func answer(_ a: RawHTTP.Answer) throws -> [String: Any] {
                try #require(try JSONSerialization.jsonObject(with: Data(a.body)) as? [String: Any], "\(String(decoding: a.body, as: UTF8.self))")
            }
            let entry = "{\"blobs\": [{\"sha\": \"\(bytes.hex)\", \"engineers\": [\"E17\"]}]}"
            #expect(try vouch(entry, token: desk).status == 403)
            #expect(try vouch(entry, token: "fs_not-a-token-at-all").status == 401)
            // The depot has not shown it holds the blob here: nothing is vouched.
            let unproven = try answer(try vouch(entry, token: depotToken))
            #expect(unproven["vouched"] as? Int == 0 && (unproven["refused"] as? [String])?.first?.contains("has not shown it holds") == true)
            // Malformed, too many, too large: refused whole.
            for body in ["", "{", "{\"blobs\": 5}", "{\"blobs\": [{\"sha\": 1}]}", "[]"] {
                #expect(try vouch(body, token: depotToken).status == 400, "\(body)")
            }
            let many = "{\"blobs\": [" + Array(repeating: "{\"sha\": \"00\", \"engineers\": []}", count: 1_001).joined(separator: ",") + "]}"
            #expect(try vouch(many, token: depotToken).status == 400)
            #expect(try vouch("{\"blobs\": [], \"pad\": \"" + String(repeating: "x", count: 1 << 20) + "\"}", token: depotToken).status == 413)

            // The depot proves it holds the blob (a challenge); then only its engineers count.
            let challenge = try answer(try RawHTTP(port: port).request("POST", "/v1/blobs/\(bytes.hex)/challenge", token: depotToken))
            let nonce = try #require((challenge["nonce"] as? String).flatMap(Digest.init(hex:)))
            let file = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/p.jpg"))
            let proof = SHA256.hash(nonce.bytes + [UInt8](file))
            let proved = try RawHTTP(port: port).request(
                "POST", "/v1/blobs/\(bytes.hex)/prove", token: depotToken, headers: ["Content-Type": "application/json"],
                body: Array("{\"nonce\": \"\(nonce.hex)\", \"proof\": \"\(proof.hex)\"}".utf8))
            #expect(proved.status == 200)
            let mixed = try answer(
                try vouch(
                    "{\"blobs\": [{\"sha\": \"\(bytes.hex)\", \"engineers\": [\"E17\", \"E18\", \"E\\u001b[2J\", \"north\"]}, {\"sha\": \"zz\", \"engineers\": [\"E17\"]}]}",
                    token: depotToken))
            #expect(mixed["vouched"] as? Int == 1, "\(mixed)")
            let refused = mixed["refused"] as? [String] ?? []
            #expect(refused.count == 4 && refused.filter { $0.contains("is not north's engineer") }.count == 3, "\(refused)")
            #expect(!refused.joined().contains("\u{1B}"), "a control character reached the answer")
        }
    }

    @Test("an engineer syncs at one depot, then at central, then moves to another depot: nothing duplicated, lost or refused, and the new depot gets their tickets whole")
    func anEngineerMovesBetweenDepots() async throws {
        try await onOwnThread {
            let folder = try TempFolder("fieldsync-depot")
            let central = try NodeProcess(data: folder.path + "/central")
            let northToken = try ok(central, "token", "create", "--role", "depot", "--name", "north")
            let southToken = try ok(central, "token", "create", "--role", "depot", "--name", "south")
            try ok(central, "depot", "add-engineer", "north", "E17")
            let t17 = try dispatch(central, "E17")
            let e17Token = try ok(central, "token", "create", "--role", "engineer", "--name", "E17")
            let north = try NodeProcess(data: folder.path + "/north", extraArgs: ["--upstream", central.url, "--upstream-token", northToken, "--upstream-interval", "1"])
            let south = try NodeProcess(data: folder.path + "/south", extraArgs: ["--upstream", central.url, "--upstream-token", southToken, "--upstream-interval", "1"])
            func tickets(_ node: NodeProcess) throws -> Int { (try node.admin("tickets", "--json").json as? [Any])?.count ?? -1 }
            #expect(try eventually { try tickets(north) == 1 }, "\(north.log)")

            let e17 = Engineer(name: "E17", home: folder.path + "/E17")
            try e17.ok("init", "--engineer", "E17")
            #expect(try eventually { try e17.run("login", "--node", north.url, "--token", e17Token).status == 0 && e17.run("sync").status == 0 })
            try e17.ok("note", t17, "at north")
            try e17.ok("sync")
            #expect(try eventually { try notes(central, t17) == ["at north"] }, "\(north.log)")

            // The next day directly at central, with the same device and token.
            try e17.ok("login", "--node", central.url, "--token", e17Token)
            try e17.ok("note", t17, "at central")
            try e17.ok("sync")

            // E17 moves to south; south, serving no one before, holds nothing of theirs yet.
            #expect(try tickets(south) == 0)
            try ok(central, "depot", "remove-engineer", "north", "E17")
            try ok(central, "depot", "add-engineer", "south", "E17")
            #expect(try eventually { try notes(south, t17) == ["at north", "at central"] }, "south never got E17's ticket whole: \(south.log)")
            #expect(try eventually { try e17.run("login", "--node", south.url, "--token", e17Token).status == 0 && e17.run("sync").status == 0 }, "\(south.log)")
            try e17.ok("note", t17, "at south")
            try e17.ok("sync")

            // Every note once, everywhere E17 is served; north follows E17 no more.
            #expect(try eventually { try notes(central, t17) == ["at north", "at central", "at south"] }, "\(south.log)")
            try e17.ok("sync")
            let digests = try [
                central.admin("ticket", "show", t17, "--json").object["digest"] as? String,
                south.admin("ticket", "show", t17, "--json").object["digest"] as? String, e17.digest(t17),
            ]
            #expect(digests[0] != nil && Set(digests).count == 1, "\(digests)")
            #expect(!(try notes(north, t17)).contains("at south"))
            #expect(!south.log.contains("forbidden") && !north.log.contains("held back"), "\(south.log)\n\(north.log)")
        }
    }

    /// One crafted note of `replica`, pushed to `node` with `token`: the HTTP status.
    func push(_ node: NodeProcess, token: String, _ replica: String, _ counter: UInt64, on ticket: String, _ text: String) throws -> Int {
        try push(node, token: token, replica, counter, on: ticket, body: .note(Note(text: text, at: UInt64(Date().timeIntervalSince1970) * 1000)))
    }

    /// One crafted op of `replica` with `body`, pushed to `node` with `token`: the HTTP status.
    func push(_ node: NodeProcess, token: String, _ replica: String, _ counter: UInt64, on ticket: String, body: OpBody) throws -> Int {
        let wall = UInt64(Date().timeIntervalSince1970) * 1000
        let op = Op(id: OpID(replica: ReplicaID(replica)!, counter: counter), wallMillis: wall, logical: 0, subject: EntityID(ticket)!, body: body)
        let frame = Frame.encode(OpChecksums.attach(to: [.hello(Hello(replica: ReplicaID(replica)!, clock: wall)), .push(Push(ops: [op]))]))
        return try RawHTTP(port: RawHTTP.port(of: node.url)).request(
            "POST", "/v1/sync", token: token, headers: ["Content-Type": "application/vnd.fieldsync.frame"], body: frame
        ).status
    }

    @Test("a relayed device whose op central holds with other content is held back; the other engineers' ops still go up")
    func aConflictingReplicaIsHeldBack() async throws {
        let folder = try TempFolder("fieldsync-depot")
        var central = try NodeProcess(data: folder.path + "/central")
        let port = try #require(URL(string: central.url)?.port)
        let depotToken = try ok(central, "token", "create", "--role", "depot", "--name", "north")
        for name in ["E17", "E18"] { try ok(central, "depot", "add-engineer", "north", name) }
        let t17 = try dispatch(central, "E17")
        let t18 = try dispatch(central, "E18")
        // E17's tablet recorded note 1 at central; then central goes away.
        #expect(try push(central, token: try ok(central, "token", "create", "--role", "engineer", "--name", "E17"), "e17-tab", 1, on: t17, "at central") == 200)
        _ = central.stop()

        // At the depot, a restored copy of the tablet reuses counter 1 for other content.
        let depot = try depot(in: folder, upstream: central, token: depotToken)
        let e17 = try ok(depot, "token", "create", "--role", "engineer", "--name", "E17")
        let e18 = try ok(depot, "token", "create", "--role", "engineer", "--name", "E18")
        // Quarantined at the depot (central's tickets never reached it): taken, 403 (SPEC §8).
        #expect(try push(depot, token: e17, "e17-tab", 1, on: t17, "reused counter") == 403)
        #expect(try push(depot, token: e18, "e18-tab", 1, on: t18, "E18 at the depot") == 403)

        central = try NodeProcess(data: central.data, extraArgs: ["--port", "\(port)"])
        #expect(try eventually { try notes(central, t18) == ["E18 at the depot"] }, "E18's note did not go up: \(depot.log)")
        #expect(try eventually(10) { depot.log.contains("held back") && depot.log.contains("e17-tab") }, "\(depot.log)")
        #expect(try notes(central, t17) == ["at central"])
        #expect(try eventually(10) { try status(depot).upstreams.first?.opsWaiting == 1 })
    }

    @Test("at a depot, a photo from central downloads through the tickets central proved a reference on, not through a ticket that only names its hash")
    func photoGrantsFollowProvenTickets() async throws {
        try await onOwnThread {
            let folder = try TempFolder("fieldsync-depot")
            let central = try NodeProcess(data: folder.path + "/central")
            let depotToken = try ok(central, "token", "create", "--role", "depot", "--name", "north")
            for name in ["E17", "E18"] { try ok(central, "depot", "add-engineer", "north", name) }
            let t17 = try dispatch(central, "E17")
            let t18 = try dispatch(central, "E20")
            try ok(central, "ticket", "assign", t18, "E18")

            // E17 works at central itself and uploads a photo on their ticket: proven there.
            let e17 = try engineer("E17", in: folder, at: central)
            try e17.ok("sync")
            let photo = try BlobTests.randomFile(folder.path + "/p.jpg", bytes: 80_000, seed: 7)
            try e17.ok("photo", t17, folder.path + "/p.jpg")
            try e17.ok("sync")
            // E20 knows the photo's hash alone and names it on the ticket they share with E18.
            let e20 = try ok(central, "token", "create", "--role", "engineer", "--name", "E20")
            let named = OpBody.attachmentAdded(Attachment(kind: .photo, sha256: photo, byteSize: 80_000, mediaType: "image/jpeg"))
            #expect(try push(central, token: e20, "e20-tab", 1, on: t18, body: named) == 200)

            // The depot fetches the photo through E17's ticket.
            let depot = try depot(in: folder, upstream: central, token: depotToken)
            #expect(try eventually { FileManager.default.fileExists(atPath: "\(depot.data)/blobs/\(photo.hex.prefix(2))/\(photo.hex)") }, "\(depot.log)")
            func get(as name: String) throws -> Int {
                let token = try ok(depot, "token", "create", "--role", "engineer", "--name", name)
                return try RawHTTP(port: RawHTTP.port(of: depot.url)).request("GET", "/v1/blobs/\(photo.hex)", token: token).status
            }
            // E17 gets it (once the depot recorded central's proof); E18 sees E20's reference
            // only, which proves nothing: refused.
            #expect(try eventually { try get(as: "E17") == 200 }, "\(depot.log)")
            #expect(try get(as: "E18") == 403)
        }
    }
}

