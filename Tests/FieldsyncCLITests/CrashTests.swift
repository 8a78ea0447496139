import FieldTestSupport
import Foundation
import Testing

/// A command killed inside its transaction leaves the replica as before the command.
@Suite struct CrashTests {
    @Test(arguments: [
        ["note", "TICKET", "lost in the crash"],
        ["complete", "TICKET", "--resolution", "two ops, both or none"],
        ["part", "add", "TICKET", "FAN", "--qty", "1"],
        ["photo", "TICKET", "PHOTO"],
    ])
    func killedMidCommand(_ template: [String]) throws {
        let cli = try CLI()
        let t = try cli.readyTicket()
        try cli.ok("note", t, "before")
        let photo = try cli.file("p.jpg", bytes: Array(repeating: 9, count: 5000))
        let args = template.map { $0 == "TICKET" ? t : $0 == "PHOTO" ? photo : $0 }
        let before = try cli.show(t)

        let crashed = try cli.run(args, env: ["FIELDSYNC_TEST_CRASH": "inside-transaction"])
        #expect(crashed.killedBySignal, "the test hook should have killed the process")

        let after = try cli.show(t)
        #expect(after["digest"] as? String == before["digest"] as? String)
        #expect(after["status"] as? String == before["status"] as? String)
        // The replica works on, and its counters stay contiguous.
        let next = try cli.ok("note", t, "after", "--json").object["ops"] as? [String]
        #expect(next == ["3@" + String(t.split(separator: "-", maxSplits: 1)[1])])
        #expect((try cli.show(t)["notes"] as? [[String: Any]])?.compactMap { $0["text"] as? String } == ["before", "after"])
    }
}
