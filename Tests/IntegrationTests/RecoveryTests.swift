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
    func centralRestoredFromBackup() async throws {
        try await onOwnThread {
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
    }

    @Test("finding 2: a device restored from a backup loses nothing it records next")
    func deviceRestoredFromBackup() async throws {
        try await onOwnThread {
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

            // The tablet is restored from the backup, and the engineer goes on working. Its
            // file is a copy: it says so, and records under a new id from now on (SPEC §9.3).
            let before = try #require(try e17.ok("status", "--json").object["replica"] as? String)
            try copy(backup, to: e17.home)
            let first = try e17.ok("note", t1, "b3")
            #expect(first.stderr.contains("is a copy"), "\(first.stderr)")
            try e17.ok("note", t1, "b4")
            let after = try #require(try e17.ok("status", "--json").object["replica"] as? String)
            #expect(after != before && after.hasPrefix("e17-"))
            let sync = try e17.run("sync", "--json")
            #expect(sync.status == 0, "\(sync.stderr)")
            #expect(sync.object["pushed"] as? Int == 2)
            // Each once. (b3 may sort before b2: the copy never saw b2, and stamps within one
            // second order by their logical counters.)
            let central = try field.central(t1)
            #expect(notes(central).sorted() == ["b1", "b2", "b3", "b4"])
            #expect((central["parts"] as? [Any])?.count == 1)
            #expect(notes(try e17.show(t1)) == notes(central))
            #expect(try e17.digest(t1) == central["digest"] as? String)
            try e17.ok("note", t1, "b5")
            let last = try e17.run("sync", "--json")
            #expect(last.object["pushed"] as? Int == 1, "\(last.stdout) \(last.stderr)")
            #expect(notes(try field.central(t1)).sorted() == ["b1", "b2", "b3", "b4", "b5"])
        }
    }

    @Test("central and a device both restored: what another device had pulled comes back, and no id is used twice")
    func bothRestored() async throws {
        try await onOwnThread {
            let field = try Field()
            let t1 = try field.dispatch("E17")
            let token = try field.token("E17")
            // Two devices of one engineer (a tablet and a phone).
            let tablet = Engineer(name: "tablet", home: field.folder.path + "/tablet")
            let phone = Engineer(name: "phone", home: field.folder.path + "/phone")
            for e in [tablet, phone] {
                try e.ok("init", "--engineer", "E17")
                try relogin(e, field, token: token)
                try e.ok("sync")
            }
            let nodeBackup = field.folder.path + "/node-backup"
            let tabletBackup = field.folder.path + "/tablet-backup"
            try field.restartNode { try copy($0, to: nodeBackup) }
            try copy(tablet.home, to: tabletBackup)
            for e in [tablet, phone] { try relogin(e, field, token: token) }

            // After both backups: the tablet records c1, dispatch sets the priority at central,
            // and the phone pulls both.
            try tablet.ok("note", t1, "c1")
            try tablet.ok("sync")
            let set = try field.node.admin("ticket", "set", t1, "priority", "urgent")
            #expect(set.status == 0, "\(set.stderr)")
            try phone.ok("sync")
            #expect(notes(try phone.show(t1)) == ["c1"])

            // Both central and the tablet are put back: neither holds c1 nor the priority.
            try field.restartNode { try copy(nodeBackup, to: $0) }
            try copy(tabletBackup, to: tablet.home)
            for e in [tablet, phone] { try relogin(e, field, token: token) }
            #expect(notes(try field.central(t1)).isEmpty)

            // The tablet records c2 first: under a new id, so it cannot reuse c1's.
            try tablet.ok("note", t1, "c2")
            #expect(try field.node.admin("ticket", "set", t1, "site", "Plant 4").status == 0)
            try tablet.ok("sync")
            // The phone gives back c1 and central's own priority change, with the node's vouchers.
            let sync = try phone.run("sync", "--json")
            #expect(sync.status == 0, "\(sync.stderr)")
            #expect(sync.object["givenBack"] as? Int == 2, "\(sync.stdout)")
            let central = try field.central(t1)
            #expect(Set(notes(central)) == ["c1", "c2"])
            let fields = try #require(central["fields"] as? [String: String])
            #expect(fields["priority"] == "urgent")
            #expect(fields["site"] == "Plant 4")
            try tablet.ok("sync")
            try phone.ok("sync")
            #expect(try tablet.digest(t1) == central["digest"] as? String)
            #expect(try phone.digest(t1) == central["digest"] as? String)
            // Given back once: the next syncs give nothing back.
            #expect(try phone.run("sync", "--json").object["givenBack"] as? Int == 0)
        }
    }

    @Test("a ticket dispatched after central's backup comes back from the device with the work done on it, at its first sync")
    func lostTicketComesBackWithItsWork() async throws {
        try await onOwnThread {
            let field = try Field()
            let token = try field.token("E17")
            let e17 = Engineer(name: "E17", home: field.folder.path + "/E17")
            try e17.ok("init", "--engineer", "E17")
            try relogin(e17, field, token: token)
            try e17.ok("sync")
            let backup = field.folder.path + "/backup"
            try field.restartNode { try copy($0, to: backup) }
            try relogin(e17, field, token: token)
            // Dispatched after the backup; the engineer pulls it and works on it offline.
            let t1 = try field.dispatch("E17", customer: "Initech")
            try e17.ok("sync")
            try e17.ok("note", t1, "replaced the fan")
            try field.restartNode { try copy(backup, to: $0) }
            try relogin(e17, field, token: token)
            let tickets = try #require(try field.node.admin("tickets", "--json").json as? [[String: Any]])
            #expect(tickets.isEmpty, "the restore lost the ticket")

            // One sync: the node asks for what it lacks first, then takes the note, in scope.
            let sync = try e17.run("sync", "--json")
            #expect(sync.status == 0, "\(sync.stderr)")
            #expect(sync.object["givenBack"] as? Int == 1, "\(sync.stdout)")
            let central = try field.central(t1)
            #expect((central["fields"] as? [String: String])?["customer"] == "Initech")
            #expect(notes(central) == ["replaced the fan"])
            #expect(try field.node.admin("quarantine", "--json").stdout.contains("replaced") == false)
            #expect(try e17.digest(t1) == central["digest"] as? String)
        }
    }

    @Test("a device restored from a backup newer than central's: what central lost of its old id goes up in one sync, photo too")
    func deviceNewerThanCentral() async throws {
        try await onOwnThread {
            let field = try Field()
            let t1 = try field.dispatch("E17")
            let token = try field.token("E17")
            let e17 = Engineer(name: "E17", home: field.folder.path + "/E17")
            try e17.ok("init", "--engineer", "E17")
            try relogin(e17, field, token: token)
            try e17.ok("sync")
            let nodeBackup = field.folder.path + "/node-backup"
            try field.restartNode { try copy($0, to: nodeBackup) }
            try relogin(e17, field, token: token)
            try e17.ok("note", t1, "f1")
            let photo = field.folder.path + "/valve.jpg"
            try Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: URL(fileURLWithPath: photo))
            try e17.ok("photo", t1, photo)
            try e17.ok("sync")
            // The tablet's backup holds f1 and the photo as acknowledged; central's does not.
            let deviceBackup = field.folder.path + "/e17-backup"
            try copy(e17.home, to: deviceBackup)
            try field.restartNode { try copy(nodeBackup, to: $0) }
            try copy(deviceBackup, to: e17.home)
            try relogin(e17, field, token: token)

            let sync = try e17.run("sync", "--json")
            #expect(sync.status == 0, "\(sync.stderr)")
            #expect(sync.object["blobsUploaded"] as? Int == 1, "\(sync.stdout)")
            let central = try field.central(t1)
            #expect(notes(central) == ["f1"])
            #expect((central["attachments"] as? [Any])?.count == 1)
            #expect(try e17.digest(t1) == central["digest"] as? String)
        }
    }
}
