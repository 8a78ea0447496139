import FieldTestSupport
import Foundation

/// The depot hop's end checks, after settling (the relay drained): the depot holds each op
/// once, every op it holds is at the node (central) unchanged, every op at central on a
/// ticket it holds is at the depot, the two agree on each of those tickets' state, nothing
/// waits to go up, and the depot holds every photo byte for byte.
struct DepotLedger {
    var ops = 0
    var tickets = 0
    var photos = 0
    var stuck = 0
    var missing = 0
    var duplicated = 0
    var diverged = 0
    var blobsBad = 0

    static func check(_ rig: FieldRig, findings: Findings) throws -> DepotLedger? {
        guard let depot = rig.depot else { return nil }
        var ledger = DepotLedger()
        if let status = try depot.status() {
            if status.opsWaiting > 0 || status.blobsWaiting > 0 {
                ledger.stuck += Int(status.opsWaiting) + status.blobsWaiting
                findings.add("[depot] after settling, \(status.opsWaiting) ops and \(status.blobsWaiting) photos still wait to go up; last error: \(status.lastError ?? "none")")
            }
        } else {
            findings.add("[depot] its status names no upstream \(depot.upstream)")
        }
        let atDepot = try OpTable.read(depot.data + "/node.sqlite")
        let atCentral = try OpTable.read(rig.node.data + "/node.sqlite")
        ledger.ops = atDepot.count
        var central: [String: StoredOp] = [:]
        for op in atCentral { central[op.id] = op }
        var seen: [String: Int] = [:]
        for op in atDepot { seen[op.id, default: 0] += 1 }
        for (id, n) in seen.sorted(by: { $0.key < $1.key }) where n > 1 {
            ledger.duplicated += 1
            findings.add("[depot] \(id) is at the depot \(n) times")
        }
        for op in atDepot {
            guard let there = central[op.id] else {
                ledger.stuck += 1
                findings.add("[depot] \(op.id) (kind \(op.kind) on \(op.subject)) is at the depot but not at the node")
                continue
            }
            if there != op {
                ledger.diverged += 1
                findings.add("[depot] \(op.id): the depot's copy differs from the node's (wall \(op.wall)/\(there.wall), payload \(op.payload.count)/\(there.payload.count) bytes)")
            }
        }
        let depotTickets = try depot.ticketDigests()
        let held = Set(atDepot.map(\.id))
        for op in atCentral where depotTickets[op.subject] != nil && !held.contains(op.id) {
            ledger.missing += 1
            findings.add("[depot] \(op.id) (kind \(op.kind)) on \(op.subject) is at the node but not at the depot")
        }
        let centralTickets = try JSONSerialization.jsonObject(with: Data(try rig.node.adminOK("tickets", "--json").utf8)) as? [[String: Any]] ?? []
        var centralDigests: [String: String] = [:]
        for t in centralTickets { if let id = t["id"] as? String { centralDigests[id] = t["digest"] as? String ?? "" } }
        for engineer in depot.engineers {
            for id in rig.tickets[engineer] ?? [] where depotTickets[id] == nil {
                ledger.missing += 1
                findings.add("[depot] \(id), assigned to its engineer \(engineer), is not at the depot")
            }
        }
        for (id, digest) in depotTickets.sorted(by: { $0.key < $1.key }) {
            ledger.tickets += 1
            if centralDigests[id] != digest {
                ledger.diverged += 1
                findings.add("[depot] \(id): the depot has state \(digest.prefix(12)), the node \(centralDigests[id]?.prefix(12) ?? "nothing")")
            }
        }
        ledger.checkBlobs(rig, depot: depot, findings: findings)
        return ledger
    }

    /// Every photo attached (all are on its engineers' tickets) is at the depot, byte for
    /// byte; every blob file there hashes to its name.
    private mutating func checkBlobs(_ rig: FieldRig, depot: DepotHop, findings: Findings) {
        let root = depot.data + "/blobs"
        for (sha, original) in rig.originals.sorted(by: { $0.key < $1.key }) {
            photos += 1
            let path = "\(root)/\(sha.prefix(2))/\(sha)"
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            if size != original.size || OpTable.fileSHA256(path) != sha {
                blobsBad += 1
                findings.add("[depot] photo \(sha.prefix(12)) (\(original.size) bytes) is \(size.map { "\($0) bytes hashing to \(OpTable.fileSHA256(path)?.prefix(12) ?? "?")" } ?? "not") at the depot")
            }
        }
        for path in Ledger.misnamedBlobs(in: root) {
            blobsBad += 1
            findings.add("[depot] \(path) does not hash to its name")
        }
    }

    var summary: String {
        "depot: \(ops) ops held: \(stuck) not at the node or waiting, \(missing) of its tickets' missing, \(duplicated) duplicated, \(diverged) diverged; \(tickets) tickets compared with the node; \(photos) photos checked at the depot, \(blobsBad) bad"
    }
}
