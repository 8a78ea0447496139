import FieldTestSupport
import Foundation
import Testing

/// `fieldsync check` on a real replica file: clean, then with one byte of an unsynced
/// note flipped inside the SQLite file itself, as a failing disk would leave it.
@Suite struct CheckTests {
    /// Flips one byte of `marker` where it is stored in the replica file (the note's
    /// payload: note text is stored nowhere else), keeping it ASCII; the replica is
    /// closed, so SQLite has checkpointed its WAL into the file.
    static func flipByte(of marker: String, in cli: CLI) throws {
        let path = cli.home + "/replica.sqlite"
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
        #expect(wal.firstRange(of: Data(marker.utf8)) == nil, "the note is still in the WAL, not the file")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let needle = Array(marker.utf8)
        let at = try #require(bytes.firstRange(of: needle), "the note is not in the replica file")
        #expect(bytes[at.upperBound...].firstRange(of: needle) == nil, "the note is stored once")
        bytes[at.lowerBound + 3] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test("a flipped byte inside an unsynced note: check names the op, lists the unsynced ops, says how to recover, exits 1")
    func flippedNoteIsFound() throws {
        let cli = try CLI()
        let ticket = try cli.readyTicket()
        let noted = try cli.ok("note", ticket, "Condenser fan seized QZXJ-marker 冷凝", "--json").object
        let noteOp = try #require((noted["ops"] as? [String])?.first)

        let clean = try cli.ok("check")
        #expect(clean.stdout.contains("No damage found"))
        let cleanJSON = try cli.ok("check", "--json").object
        #expect(cleanJSON["clean"] as? Bool == true)
        #expect((cleanJSON["opsChecked"] as? Int) == 2)
        #expect(try cli.ok("check", "--quick").status == 0)

        try Self.flipByte(of: "QZXJ-marker", in: cli)

        let found = try cli.run(["check"])
        #expect(found.status == 1, "check must exit 1 on damage: \(found.stdout) \(found.stderr)")
        #expect(found.stdout.contains(noteOp) && found.stdout.contains("no longer matches the checksum"), "\(found.stdout)")
        #expect(found.stdout.contains("fieldsync init --engineer E17"), "the way to recover: \(found.stdout)")
        #expect(found.stdout.contains("never reached the node") && found.stdout.contains(noteOp))
        #expect(!found.stdout.contains("QZXJ") && !found.stdout.contains("QzXJ"), "no ticket content in the report")

        let json = try cli.run(["check", "--json"])
        #expect(json.status == 1)
        let report = json.object
        #expect(report["clean"] as? Bool == false)
        let damaged = try #require(report["damagedOps"] as? [[String: Any]])
        #expect(damaged.map { $0["id"] as? String } == [noteOp])
        #expect(damaged.first?["problem"] as? String == "checksum-mismatch")
        #expect((report["unsyncedOps"] as? [String])?.contains(noteOp) == true)
        #expect((report["ticketMismatches"] as? [[String: Any]])?.first?["ticket"] as? String == ticket)

        let quick = try cli.run(["check", "--quick"])
        #expect(quick.status == 1 && quick.stdout.contains(noteOp), "the quick check reads unsynced ops: \(quick.stdout)")

        let show = try cli.run(["show", ticket])
        #expect(show.status != 0, "show must not leave the note out silently: \(show.stdout)")
        #expect(show.stderr.contains(noteOp) && show.stderr.contains("fieldsync check"), "\(show.stderr)")
    }

    @Test("no replica is unusable input: one line on stderr, exit 2; a file that is not a replica is damage")
    func unusableInput() throws {
        let cli = try CLI()
        let none = try cli.run(["check"])
        #expect(none.status == 2)
        #expect(none.stderr.hasPrefix("error: ") && none.stderr.split(separator: "\n").count == 1, "\(none.stderr)")
        #expect(none.stdout.isEmpty)
        try FileManager.default.createDirectory(atPath: cli.home, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: cli.home + "/replica.sqlite"))
        let garbage = try cli.run(["check", "--json"])
        #expect(garbage.status == 1, "\(garbage.stderr)")
        #expect(garbage.object["clean"] as? Bool == false)
        #expect(((garbage.object["integrity"] as? [String]) ?? []).isEmpty == false)
    }

    @Test func helpHasAnExampleAndTheExitCodes() throws {
        let help = try CLI().ok("check", "--help").stdout
        #expect(help.contains("fieldsync check --quick --json"))
        #expect(help.contains("1 damage found") && help.contains("2 the replica cannot be checked"))
    }
}
