import FieldTestSupport
import Foundation
import Testing

/// Every command through the real binary, as an engineer's offline day.
@Suite struct OfflineDayTests {
    @Test func anEngineersDayOffline() throws {
        let cli = try CLI()
        let t = try cli.readyTicket()
        #expect(t.hasPrefix("T1-e17-"))

        try cli.ok("accept", t)
        try cli.ok("depart", t)
        let arrived = try cli.ok("arrive", t, "--lat", "52.5163", "--lon", "13.3777", "--accuracy", "8", "--json").object
        #expect(arrived["status"] as? String == "on-site")
        try cli.ok("pause", t)
        #expect(try cli.show(t)["status"] as? String == "paused")
        try cli.ok("resume", t)
        try cli.ok("note", t, "Condenser fan seized; 冷凝风扇卡死")
        try cli.ok("set", t, "fault-code", "E42")
        try cli.ok("set", t, "custom.floor", "3")
        let line = try cli.ok("part", "add", t, "FAN-220-EC", "--qty", "1", "--json").object["line"] as? String
        try cli.ok("part", "add", t, "CABLE-3G15", "--qty", "2.5", "--unit", "m", "--from", "depot:north")
        let photo = try cli.file("fan.jpg", bytes: (0..<40_000).map { UInt8(truncatingIfNeeded: $0 * 13) })
        let p = try cli.ok("photo", t, photo, "--caption", "Fan before", "--json").object
        #expect((p["sha256"] as? String)?.count == 64)
        try cli.ok("complete", t, "--resolution", "Replaced condenser fan")
        let sig = try cli.file("sig.png", bytes: [1, 2, 3, 4])
        let signed = try cli.ok("sign", t, "--signer", "Jane Doe", "--image", sig)
        #expect(signed.stdout.contains("FieldSync work summary v1"))
        #expect(signed.stdout.contains("FAN-220-EC 1 pcs from van:E17"))
        #expect(signed.stdout.contains("resolution: Replaced condenser fan"))

        let shown = try cli.show(t)
        #expect(shown["status"] as? String == "completed")
        let fields = shown["fields"] as? [String: String] ?? [:]
        #expect(fields["fault-code"] == "E42" && fields["custom.floor"] == "3" && fields["resolution"] == "Replaced condenser fan")
        let kinds = (shown["timeline"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(kinds == ["created", "accepted", "departed", "arrived", "paused", "resumed", "completed"])
        let arrival = (shown["timeline"] as? [[String: Any]] ?? [])[3]
        #expect(arrival["latitude"] as? Double == 52.5163 && arrival["accuracyMetres"] as? Double == 8)
        #expect((shown["notes"] as? [[String: Any]])?.first?["text"] as? String == "Condenser fan seized; 冷凝风扇卡死")
        #expect((shown["parts"] as? [[String: Any]])?.count == 2)
        let attachments = shown["attachments"] as? [[String: Any]] ?? []
        #expect(attachments.map { $0["kind"] as? String } == ["photo", "signature"])
        #expect(attachments.allSatisfy { $0["state"] as? String == "local, pending upload" })

        // The terminal view has every section.
        let text = try cli.ok("show", t).stdout
        for needle in ["[completed]", "Timeline", "arrived    at 52.5163, 13.3777 ±8 m", "Notes", "Parts used", "Attachments", "signed by Jane Doe"] {
            #expect(text.contains(needle), "show lacks \(needle)")
        }

        // Signature still matches, until a part changes after signing.
        #expect(try cli.run(["verify", t]).status == 0)
        try cli.ok("part", "remove", t, line ?? "")
        let verify = try cli.run(["verify", t])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("does NOT match"))
        #expect(verify.stdout.contains("part removed: 1 pcs FAN-220-EC"))

        let list = try cli.ok("tickets", "--json").json as? [[String: Any]] ?? []
        #expect(list.map { $0["id"] as? String } == [t])
        #expect(try cli.ok("tickets", "--status", "on-site", "--json").json as? [Any] != nil)
        #expect((try cli.ok("tickets", "--status", "on-site", "--json").json as? [Any])?.isEmpty == true)
    }

    @Test func theSamePhotoTwiceIsStoredOnce() throws {
        let cli = try CLI()
        let t = try cli.readyTicket()
        let photo = try cli.file("a.jpg", bytes: Array(repeating: 7, count: 10_000))
        try cli.ok("photo", t, photo)
        try cli.ok("photo", t, photo, "--caption", "again")
        let files = try FileManager.default.subpathsOfDirectory(atPath: cli.home + "/blobs").filter { $0.count > 60 }
        #expect(files.count == 1)
        #expect((try cli.show(t)["attachments"] as? [Any])?.count == 2)
    }

    @Test func everyCommandTeachesWithAnExample() throws {
        let cli = try CLI()
        for command in [
            ["init"], ["tickets"], ["show"], ["accept"], ["depart"], ["arrive"], ["pause"], ["resume"], ["note"],
            ["set"], ["part", "add"], ["part", "remove"], ["photo"], ["sign"], ["verify"], ["complete"],
            ["conflicts"], ["resolve"],
        ] {
            let r = try cli.run(command + ["--help"])
            #expect(r.status == 0)
            #expect(r.stdout.contains("Example"), "\(command) help has no example")
        }
    }
}
