import FieldTestSupport
import Foundation
import Testing

/// Bad input: a one-line error that says what to do, a non-zero exit, nothing written.
@Suite struct BadInputTests {
    /// Runs `args`, expects a clean one-line failure, and checks the replica is unchanged.
    func refuses(_ cli: CLI, _ ticket: String, _ args: [String], mentioning needle: String) throws {
        let before = try cli.show(ticket)["digest"] as? String
        let r = try cli.run(args)
        #expect(r.status != 0, "\(args) should fail")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(args): stderr should be one line, got: \(r.stderr)")
        #expect(r.stderr.hasPrefix("error: "), "\(args): \(r.stderr)")
        #expect(r.stderr.lowercased().contains(needle.lowercased()), "\(args): \(r.stderr) lacks \(needle)")
        #expect(try cli.show(ticket)["digest"] as? String == before, "\(args) changed the replica")
    }

    @Test func badInputChangesNothing() throws {
        let cli = try CLI()
        let t = try cli.readyTicket()
        try refuses(cli, t, ["accept", "T99-nobody"], mentioning: "no ticket 'T99-nobody'")
        try refuses(cli, t, ["part", "remove", t, "99@e17-nope"], mentioning: "no part line")
        try refuses(cli, t, ["part", "remove", t, "garbage"], mentioning: "not a line id")
        try refuses(cli, t, ["part", "add", t, "FAN", "--qty", "-2"], mentioning: "greater than 0")
        try refuses(cli, t, ["part", "add", t, "FAN", "--qty", "0"], mentioning: "greater than 0")
        try refuses(cli, t, ["arrive", t, "--lat", "95", "--lon", "13"], mentioning: "latitude 95.0 is out of range")
        try refuses(cli, t, ["arrive", t, "--lat", "45", "--lon", "-200"], mentioning: "longitude")
        try refuses(cli, t, ["photo", t, cli.scratch + "/missing.jpg"], mentioning: "cannot read")
        try refuses(cli, t, ["set", t, "colour", "red"], mentioning: "unknown field 'colour'")
        try refuses(cli, t, ["note", t, "  "], mentioning: "empty")
        try refuses(cli, t, ["tickets", "--status", "sideways"], mentioning: "unknown status")
        try refuses(cli, t, ["verify", t], mentioning: "no signature")
        // No counter was consumed by any refusal: the next op is the ticket's second.
        let next = try cli.ok("note", t, "fine", "--json").object["ops"] as? [String]
        #expect(next?.first?.hasPrefix("2@") == true)
        // A photo of a ticket that does not exist leaves no blob behind.
        let photo = try cli.file("p.jpg", bytes: [1, 2, 3])
        #expect(try cli.run(["photo", "T42-x", photo]).status != 0)
        #expect(!FileManager.default.fileExists(atPath: cli.home + "/blobs"))
    }

    @Test func noReplicaYetSaysToInit() throws {
        let cli = try CLI()
        let r = try cli.run(["tickets"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("fieldsync init --engineer"))
        try cli.ok("init", "--engineer", "E17")
        let again = try cli.run(["init", "--engineer", "E17"])
        #expect(again.status != 0 && again.stderr.contains("already exists"))
        #expect(try cli.run(["init", "--engineer", "bad id!", "--home", cli.scratch + "/h2"]).status != 0)
    }

    @Test func corruptReplicaFileIsAClearError() throws {
        let cli = try CLI()
        try cli.ok("init", "--engineer", "E17")
        let path = cli.home + "/replica.sqlite"
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try Data(repeating: 0x5A, count: 16_384).write(to: URL(fileURLWithPath: path))
        let r = try cli.run(["tickets"])
        #expect(r.status != 0)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("damaged"))
        #expect(r.stderr.contains("restore it from a backup"))
    }
}
