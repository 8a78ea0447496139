import FieldTestSupport
import Foundation

/// A photo a link mode sends: a file of seeded bytes, attached with `fieldsync photo` to
/// one of the engineer's tickets (recorded in the replica's ledger and the rig's originals,
/// so the end-of-campaign checks cover it).
struct ModePhoto {
    let path: String
    let size: Int
    let sha: String

    /// Writes `size` seeded bytes to a new file in the rig's photo folder.
    static func make(_ rig: FieldRig, size: Int, seed: UInt64, name: String) throws -> ModePhoto {
        var fill = SeededRandom(seed: seed)
        var bytes = [UInt8](repeating: 0, count: size)
        for i in stride(from: 0, to: size, by: 8) {
            var word = fill.next()
            for j in i..<min(i + 8, size) {
                bytes[j] = UInt8(truncatingIfNeeded: word)
                word >>= 8
            }
        }
        let path = rig.scratch.sub("photos") + "/\(name).jpg"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw ChaosError("cannot write \(path)") }
        guard let sha = OpTable.fileSHA256(path) else { throw ChaosError("cannot hash \(path)") }
        return ModePhoto(path: path, size: size, sha: sha)
    }

    /// Attaches it on `replica` to one of its engineer's tickets (one that takes photos);
    /// returns the ticket. With none that does, dispatch makes a new one and the replica
    /// pulls it over the clean link first.
    @discardableResult
    func attach(on replica: Replica, rig: FieldRig, rng: inout SeededRandom, caption: String, findings: Findings) throws -> String {
        for ticket in (rig.tickets[replica.engineer] ?? []).shuffled(using: &rng) {
            if try attach(on: replica, ticket: ticket, rig: rig, caption: caption) { return ticket }
        }
        let ticket = try rig.dispatch(to: replica.engineer)
        try ModeSync.clean(replica, rig: rig, findings: findings, context: "a new ticket for a link mode's photo")
        guard try attach(on: replica, ticket: ticket, rig: rig, caption: caption) else {
            throw ChaosError("\(replica.name): fieldsync photo \(ticket) \(path) was refused on a new ticket")
        }
        return ticket
    }

    private func attach(on replica: Replica, ticket: String, rig: FieldRig, caption: String) throws -> Bool {
        guard let answer = try replica.record(["photo", ticket, path, "--caption", caption]) else { return false }
        rig.attached(path: path, size: size, sha: answer["sha256"] as? String ?? "", engineer: replica.engineer)
        return true
    }

    /// Its size for people: "64 KB", "1.2 MB".
    var shown: String { LinkModeFigures.bytes(size) }
}
