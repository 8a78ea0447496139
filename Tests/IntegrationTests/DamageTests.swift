import FieldStore
import FieldTestSupport
import Foundation
import Testing

/// Damage is found, not passed on (issue 22, case 6): one flipped byte inside an
/// unsynced note must not reach central as truth, and a node's own damage is found by
/// `fieldsync-node check`.
@Suite(.serialized) struct DamageTests {
    /// Flips one byte of `marker` where it is stored in the SQLite file at `path` (the
    /// op's payload; note text is stored nowhere else), keeping it ASCII. The file's
    /// owner is stopped, so its WAL has been checkpointed into it.
    static func flipByte(of marker: String, inFile path: String) throws {
        var wal = (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
        if wal.firstRange(of: Data(marker.utf8)) != nil {
            // Its owner stopped without checkpointing (a busy machine: seen in a full run).
            // The last connection to close moves the WAL into the file.
            do { _ = try ReplicaStore.open(at: path) }
            wal = (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data()
        }
        #expect(wal.firstRange(of: Data(marker.utf8)) == nil, "the op is still in the WAL, not the file")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let needle = Array(marker.utf8)
        let at = try #require(bytes.firstRange(of: needle), "the note is not in \(path)")
        #expect(bytes[at.upperBound...].firstRange(of: needle) == nil, "the note is stored once")
        bytes[at.lowerBound + 2] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func notes(_ ticket: [String: Any]) -> [String] {
        (ticket["notes"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
    }

    @Test("a flipped byte in an unsynced note is refused at sync, named, and central never gets it")
    func flippedUnsyncedNoteIsNotPushed() async throws {
        try await onOwnThread {
            let field = try Field()
            let t = try field.dispatch("E17")
            let e17 = try field.engineer("E17")
            try e17.ok("sync")
            try e17.ok("note", t, "Arrived, panel open")
            try e17.ok("sync")
            let before = try field.centralDigests()
            let noted = try e17.ok("note", t, "Condenser fan seized QZXJ-marker, replaced", "--json").object
            let noteOp = try #require((noted["ops"] as? [String])?.first)

            try Self.flipByte(of: "QZXJ-marker", inFile: e17.home + "/replica.sqlite")

            let sync = try e17.run("sync")
            #expect(sync.status != 0, "a damaged op must stop the sync: \(sync.stdout)")
            #expect(sync.stderr.contains(noteOp) && sync.stderr.contains("fieldsync check"), "\(sync.stderr)")
            #expect(sync.stderr.split(separator: "\n").count == 1, "one line: \(sync.stderr)")
            #expect(!sync.stderr.contains("QZXJ") && !sync.stderr.contains("QzXJ"), "no ticket content in errors")

            #expect(try field.centralDigests() == before, "central changed")
            let notes = Self.notes(try field.central(t))
            #expect(notes == ["Arrived, panel open"], "central holds \(notes)")

            let check = try e17.run("check", "--json")
            #expect(check.status == 1)
            #expect((check.object["damagedOps"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [noteOp])
            #expect(check.object["unsyncedOps"] as? [String] == [noteOp], "only the damaged note never reached the node")
            let node = try field.node.admin("check")
            #expect(node.status == 0, "central is clean: \(node.stdout) \(node.stderr)")
            }
    }

    @Test("fieldsync-node check runs beside a serving node, and finds a byte flipped in its store: names the op, says restore from backup, exit 1")
    func nodeCheckFindsDamage() async throws {
        try await onOwnThread {
            let field = try Field()
            let t = try field.dispatch("E17")
            let e17 = try field.engineer("E17")
            try e17.ok("sync")
            let noted = try e17.ok("note", t, "Filter clogged QZXJ-marker", "--json").object
            let noteOp = try #require((noted["ops"] as? [String])?.first)
            try e17.ok("sync")
            let serving = try field.node.admin("check", "--json")
            #expect(serving.status == 0 && serving.object["clean"] as? Bool == true, "\(serving.stdout) \(serving.stderr)")
            #expect((serving.object["opsChecked"] as? Int ?? 0) >= 2)
            #expect(try field.node.admin("check", "--quick").status == 0)

            try field.restartNode { data in
                try Self.flipByte(of: "QZXJ-marker", inFile: data + "/node.sqlite")
                let found = try Binaries.run("fieldsync-node", ["check", "--data", data])
                #expect(found.status == 1, "\(found.stdout) \(found.stderr)")
                #expect(found.stdout.contains(noteOp) && found.stdout.contains("restore"), "\(found.stdout)")
                let json = try Binaries.run("fieldsync-node", ["check", "--data", data, "--json"])
                #expect((json.object["damagedOps"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [noteOp])
                #expect(json.object["unsyncedOps"] as? [String] == [], "a node has no unsynced ops")
            }
            // The node does not pass its damaged op on: a new device of E17 pulling the ticket
            // is refused, and holds no version of the note.
            let phone = Engineer(name: "E17", home: field.folder.path + "/E17-phone")
            try phone.ok("init", "--engineer", "E17")
            try phone.ok("login", "--node", field.node.url, "--token", try field.token("E17"))
            let pull = try phone.run("sync")
            #expect(pull.status != 0, "a pull page holding a damaged op must not be served: \(pull.stdout)")
            if let shown = try? phone.run("show", t, "--json"), shown.status == 0 {
                #expect(!shown.stdout.contains("QZXJ") && !shown.stdout.contains("QzXJ"), "the damaged note reached a device")
            }
            let missing = try Binaries.run("fieldsync-node", ["check", "--data", field.folder.path + "/no-such-node"])
            #expect(missing.status == 2 && missing.stderr.hasPrefix("error: "), "\(missing.stderr)")
            }
    }
}
