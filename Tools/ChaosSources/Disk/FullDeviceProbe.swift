import FieldTestSupport
import Foundation

/// The device's side, on the small device's own disk: full, a write is refused in plain
/// words ("this device's storage is full") with a non-zero exit, a photo says the MB it
/// needs, and reads (`show`, `tickets`, `check`) keep working on what it had; tight, a
/// photo bigger than the free space is refused the same way while notes still go.
enum FullDeviceProbe {
    static func run(_ c: DiskContext, before: [String: String]) throws {
        switch c.plan.device {
        case .room: return
        case .tight(let leave): try tight(c, leave: leave)
        case .none: try full(c, before: before)
        }
    }

    static func full(_ c: DiskContext, before: [String: String]) throws {
        let device = c.small
        let ticket = c.ticket(of: device)
        var stored = false
        if try c.record(device, ["note", ticket, "disk round \(c.round): note on a full device"]) != nil {
            c.tally.deviceWritesStored += 1
            stored = true
        } else {
            refusal(c, "a note", needsMB: false)
        }
        let size = Int.random(in: 100_000...2_000_000, using: &c.rng)
        if try c.photo(device, ticket, size: size).sha != nil {
            c.add("[device] a \(mb(UInt64(size))) photo was stored on \(device.name) with \(mb(c.field.device.free)) free")
            stored = true
        } else {
            refusal(c, "a \(mb(UInt64(size))) photo", needsMB: true)
            c.tally.devicePhotosRefused += 1
        }
        try reads(c, ticket: ticket, before: stored ? nil : before)
        // Something to pull: the device may have no room to store it, and must say so.
        try c.dispatchChange(ticket)
        try c.sync(device, "sync on its full disk")
    }

    static func tight(_ c: DiskContext, leave: UInt64) throws {
        let device = c.small
        let ticket = c.ticket(of: device)
        let free = c.field.device.free
        let size = Int(free) + Int.random(in: 500_000...3_000_000, using: &c.rng)
        if try c.photo(device, ticket, size: size).sha != nil {
            c.add("[device] a \(mb(UInt64(size))) photo was stored on \(device.name) with only \(mb(free)) free")
        } else {
            refusal(c, "a \(mb(UInt64(size))) photo with \(mb(free)) free", needsMB: true)
            c.tally.devicePhotosRefused += 1
        }
        if try c.record(device, ["note", ticket, "disk round \(c.round): note on a nearly full device"]) == nil {
            c.add("[device] a note was refused on \(device.name) with \(mb(c.field.device.free)) free: \(device.lastRefusal?.stderr.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300) ?? "")")
        }
        try reads(c, ticket: ticket, before: nil)
    }

    /// The last refusal must exit non-zero and say the device's storage is full (with the
    /// MB needed, for a photo).
    static func refusal(_ c: DiskContext, _ what: String, needsMB: Bool) {
        let device = c.small
        guard let refused = device.lastRefusal else { return }
        let text = refused.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        c.tally.deviceWritesRefused += 1
        if refused.status == 0 || !text.contains(SyncVerdict.deviceFullWords) {
            c.add("[device] \(what) on \(device.name) with \(mb(c.field.device.free)) free was refused (exit \(refused.status)) without saying its storage is full: \(text.prefix(300))")
        } else if needsMB && !text.contains("MB needed") {
            c.add("[device] \(what) on \(device.name) was refused without the MB it needs: \(text.prefix(300))")
        }
        c.checkDeviceWords(text, "\(device.name)'s refusal of \(what)")
    }

    /// `show`, `tickets` and `check` on the small device: they must work, and what it
    /// shows must be what it had (`before`: its tickets' digests, when nothing was stored since).
    static func reads(_ c: DiskContext, ticket: String, before: [String: String]?) throws {
        let device = c.small
        let free = mb(c.field.device.free)
        for args in [["show", ticket], ["tickets", "--json"], ["conflicts"]] {
            let r = try device.run(args)
            c.tally.deviceReads += 1
            if r.status != 0 || r.killedBySignal {
                c.add("[read] fieldsync \(args.joined(separator: " ")) on \(device.name) with \(free) free: exit \(r.status)\(r.killedBySignal ? " (signal)" : ""): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))")
            } else if args[0] == "tickets", let before {
                let list = r.json as? [[String: Any]] ?? []
                let now = Dictionary(list.compactMap { t in (t["id"] as? String).map { ($0, t["digest"] as? String ?? "") } }) { a, _ in a }
                if now != before {
                    c.add("[kept] \(device.name) with \(free) free shows other tickets than it held before its disk filled (\(before.count) before, \(now.count) now)")
                }
            }
        }
        // `check` only reads: on a full disk it may not be able to check, but it must not
        // call a sound replica damaged (its advice is to move the home aside).
        let check = try device.run(["check"])
        c.tally.deviceReads += 1
        if check.killedBySignal {
            c.add("[crash] fieldsync check on \(device.name) died of a signal: \(check.stderr.suffix(300))")
        } else if check.status == 1 {
            let said = (check.stdout + check.stderr).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let onNode = Set(try OpTable.read(c.nodeData + "/node.sqlite").map(\.id))
            let unsynced = device.ledger.filter { !onNode.contains($0) }.count
            var text = "[check] fieldsync check on \(device.name), whose disk is full (\(free) free) but whose replica is sound, reports damage (exit 1) and advises moving the home aside: \(said.dropFirst().prefix(2).joined(separator: " ").prefix(200))"
            if unsynced > 0, let lost = said.first(where: { $0.contains("nothing is lost") }) {
                text += "; it says \"\(lost)\" while \(unsynced) of the device's ops are not on the node yet"
            }
            c.add(text, once: "check on a full device reports damage")
        } else if check.status != 0 && !check.stderr.contains(SyncVerdict.deviceFullWords) {
            c.add("[check] fieldsync check on \(device.name) with \(free) free: exit \(check.status): \(check.stderr.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))")
        }
    }

    /// After the device's disk is freed: it still holds every op it recorded.
    static func kept(_ c: DiskContext) throws {
        let device = c.small
        let own = Set(try device.storedOps().filter { $0.replica == device.id }.map(\.id))
        let missing = device.ledger.filter { !own.contains($0) }
        if let first = missing.first {
            c.add("[kept] after its disk was full, \(device.name) no longer holds \(missing.count) op(s) it recorded (first \(first))")
        }
    }
}
