import FieldTestSupport
import Foundation
import Testing

/// A central or a device restored from a backup (H2 findings 1 and 2), through the real
/// node and `fieldsync`: what any device still holds ends up at central, exactly once.
@Suite(.serialized) struct RecoveryTests {
    /// Copies a folder (a backup) or puts one back (a restore).
    func copy(_ from: String, to: String) throws {
        try? FileManager.default.removeItem(atPath: to)
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }

    func notes(_ view: [String: Any]) -> [String] {
        (view["notes"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
    }

    func relogin(_ e: Engineer, _ field: Field, token: String) throws {
        try e.ok("login", "--node", field.node.url, "--token", token)
    }

    @Test("finding 1: a central restored from yesterday's backup gets today back from the devices")
    func centralRestoredFromBackup() throws {
        let field = try Field()
        let t1 = try field.dispatch("E17")
        let t2 = try field.dispatch("E21")
        let e17Token = try field.token("E17")
        let e21Token = try field.token("E21")
        let e17 = Engineer(name: "E17", home: field.folder.path + "/E17")
        let e21 = Engineer(name: "E21", home: field.folder.path + "/E21")
        for (e, token) in [(e17, e17Token), (e21, e21Token)] {
            try e.ok("init", "--engineer", e.name)
            try relogin(e, field, token: token)
            try e.ok("sync")
        }
        let backup = field.folder.path + "/backup"
        try field.restartNode { try copy($0, to: backup) }
        try relogin(e17, field, token: e17Token)
        try relogin(e21, field, token: e21Token)

        // Today: E17 works and syncs, takes a photo, then records one more note offline.
        try e17.ok("note", t1, "a1")
        let photo = field.folder.path + "/fan.jpg"
        try Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: photo))
        try e17.ok("photo", t1, photo, "--caption", "fan")
        try e17.ok("sync")
        try e17.ok("note", t1, "a2")
        try e21.ok("sync")

        // Central is restored from the backup taken before today.
        try field.restartNode { try copy(backup, to: $0) }
        try relogin(e17, field, token: e17Token)
        try relogin(e21, field, token: e21Token)
        #expect(notes(try field.central(t1)).isEmpty, "the restore lost today")
        let t3 = try field.dispatch("E21", customer: "Globex")

        // E17's next sync sends today again, the unsynced note too, and the photo.
        let sync = try e17.run("sync", "--json")
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(notes(try field.central(t1)) == ["a1", "a2"])
        #expect((try field.central(t1)["attachments"] as? [Any])?.count == 1)
        #expect(sync.object["blobsUploaded"] as? Int == 1, "the node lost the photo: it is sent again")
        #expect(try e17.digest(t1) == field.central(t1)["digest"] as? String)
        // Nothing twice: a second sync moves nothing.
        let again = try e17.run("sync", "--json")
        #expect(again.object["pushed"] as? Int == 0)
        #expect(notes(try field.central(t1)) == ["a1", "a2"])

        // E21 pulled past the restored log's end: a ticket dispatched after the restore
        // still arrives whole, not as a ghost.
        try e21.ok("sync")
        let view = try e21.show(t3)
        #expect((view["fields"] as? [String: String])?["customer"] == "Globex")
        #expect(view["status"] as? String == "assigned")
        #expect(try e21.digest(t2) == field.central(t2)["digest"] as? String)
    }

    @Test("finding 2: a device restored from a backup loses nothing it records next")
    func deviceRestoredFromBackup() throws {
        let field = try Field()
        let t1 = try field.dispatch("E17")
        let e17 = try field.engineer("E17")
        try e17.ok("sync")
        try e17.ok("note", t1, "b1")
        try e17.ok("sync")
        let backup = field.folder.path + "/e17-backup"
        try copy(e17.home, to: backup)
        try e17.ok("note", t1, "b2")
        try e17.ok("part", "add", t1, "FAN-220", "--qty", "1")
        try e17.ok("sync")

        // The tablet is restored from the backup, and the engineer goes on working.
        try copy(backup, to: e17.home)
        try e17.ok("note", t1, "b3")
        try e17.ok("note", t1, "b4")
        let sync = try e17.run("sync", "--json")
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.object["ownOpsRestored"] as? Int == 2)
        #expect((sync.object["renumbered"] as? [String: String])?.count == 2)
        let central = try field.central(t1)
        #expect(notes(central) == ["b1", "b2", "b3", "b4"])
        #expect((central["parts"] as? [Any])?.count == 1)
        #expect(notes(try e17.show(t1)) == ["b1", "b2", "b3", "b4"])
        #expect(try e17.digest(t1) == central["digest"] as? String)
        try e17.ok("note", t1, "b5")
        #expect(try e17.run("sync", "--json").object["pushed"] as? Int == 1)
        #expect(notes(try field.central(t1)) == ["b1", "b2", "b3", "b4", "b5"])
    }
}
