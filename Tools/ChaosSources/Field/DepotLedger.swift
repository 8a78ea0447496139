import FieldTestSupport
import Foundation

/// A depot's end checks, after settling (the relays drained), against each store above it
/// (north: the node; mine2: north and the node): the depot holds each op once, every op it
/// holds is above unchanged, every op above on a ticket it holds is at the depot, they agree
/// on each of those tickets' state, nothing waits to go up, every op of the replicas syncing
/// there is at the node once, and the depot holds its engineers' photos byte for byte.
struct DepotLedger {
    var label = "depot"
    var place = "the depot"
    var above = "the node"
    var ops = 0
    var tickets = 0
    var photos = 0
    var stuck = 0
    var missing = 0
    var duplicated = 0
    var diverged = 0
    var blobsBad = 0
    /// Ops the replicas syncing there recorded, each found at the node once.
    var replicaOps = 0
    var replicas: [String] = []

    /// North's ledger (labelled "depot", as before the tree) and mine2's, top down.
    static func checkAll(_ rig: FieldRig, findings: Findings) throws -> [DepotLedger] {
        guard let north = rig.depot, let mine2 = rig.subDepot else { return [] }
        return [
            try check(north, label: "depot", place: "the depot", above: [rig.node], aboveNames: "the node", rig: rig, findings: findings),
            try check(mine2, label: mine2.name, place: mine2.name, above: [north.process, rig.node], aboveNames: "north and the node", rig: rig, findings: findings),
        ]
    }

    /// `above`: the stores `depot` relays to, its upstream first, the node last.
    static func check(_ depot: DepotHop, label: String, place: String, above: [ChaosNode], aboveNames: String, rig: FieldRig, findings: Findings) throws -> DepotLedger {
        var ledger = DepotLedger(label: label, place: place, above: aboveNames)
        let tag = "[\(depot.name)]"
        if let status = try depot.status() {
            if status.opsWaiting > 0 || status.blobsWaiting > 0 {
                ledger.stuck += Int(status.opsWaiting) + status.blobsWaiting
                findings.add("\(tag) after settling, \(status.opsWaiting) ops and \(status.blobsWaiting) photos still wait to go up; last error: \(status.lastError ?? "none")")
            }
        } else {
            findings.add("\(tag) its status names no upstream \(depot.upstream)")
        }
        let atDepot = try OpTable.read(depot.data + "/node.sqlite")
        ledger.ops = atDepot.count
        var seen: [String: Int] = [:]
        for op in atDepot { seen[op.id, default: 0] += 1 }
        for (id, n) in seen.sorted(by: { $0.key < $1.key }) where n > 1 {
            ledger.duplicated += 1
            findings.add("\(tag) \(id) is at \(place) \(n) times")
        }
        let depotTickets = try depot.ticketDigests()
        for store in above {
            try ledger.compare(atDepot, depotTickets, with: store, rig: rig, tag: tag, findings: findings)
        }
        for engineer in depot.engineers {
            for id in rig.tickets[engineer] ?? [] where depotTickets[id] == nil {
                ledger.missing += 1
                findings.add("\(tag) \(id), assigned to its engineer \(engineer), is not at \(place)")
            }
        }
        ledger.tickets = depotTickets.count
        try ledger.checkReplicas(depot, held: Set(atDepot.map(\.id)), rig: rig, tag: tag, findings: findings)
        ledger.checkBlobs(rig, depot: depot, tag: tag, findings: findings)
        return ledger
    }

    /// The depot's ops and tickets against `store`'s (the node or a depot above).
    private mutating func compare(_ atDepot: [StoredOp], _ depotTickets: [String: String], with store: ChaosNode, rig: FieldRig, tag: String, findings: Findings) throws {
        let name = store === rig.node ? "the node" : rig.depots.first { $0.process === store }?.name ?? store.data
        var there: [String: StoredOp] = [:]
        let atStore = try OpTable.read(store.data + "/node.sqlite")
        for op in atStore { there[op.id] = op }
        for op in atDepot {
            guard let copy = there[op.id] else {
                stuck += 1
                findings.add("\(tag) \(op.id) (kind \(op.kind) on \(op.subject)) is at \(place) but not at \(name)")
                continue
            }
            if copy != op {
                diverged += 1
                findings.add("\(tag) \(op.id): \(place)'s copy differs from \(name)'s (wall \(op.wall)/\(copy.wall), payload \(op.payload.count)/\(copy.payload.count) bytes)")
            }
        }
        let held = Set(atDepot.map(\.id))
        for op in atStore where depotTickets[op.subject] != nil && !held.contains(op.id) {
            missing += 1
            findings.add("\(tag) \(op.id) (kind \(op.kind)) on \(op.subject) is at \(name) but not at \(place)")
        }
        let list = try JSONSerialization.jsonObject(with: Data(try store.adminOK("tickets", "--json").utf8)) as? [[String: Any]] ?? []
        var digests: [String: String] = [:]
        for t in list { if let id = t["id"] as? String { digests[id] = t["digest"] as? String ?? "" } }
        for (id, digest) in depotTickets.sorted(by: { $0.key < $1.key }) where digests[id] != digest {
            diverged += 1
            findings.add("\(tag) \(id): \(place) has state \(digest.prefix(12)), \(name) \(digests[id]?.prefix(12) ?? "nothing")")
        }
    }

    /// Every op the replicas syncing at the depot recorded is at the depot and at the node
    /// exactly once.
    private mutating func checkReplicas(_ depot: DepotHop, held: Set<String>, rig: FieldRig, tag: String, findings: Findings) throws {
        replicas = rig.replicas(at: depot)
        var atNode: [String: Int] = [:]
        for op in try OpTable.read(rig.node.data + "/node.sqlite") { atNode[op.id, default: 0] += 1 }
        for replica in rig.replicas where replicas.contains(replica.name) {
            for id in replica.ledger {
                replicaOps += 1
                let n = atNode[id] ?? 0
                if n != 1 {
                    if n == 0 { stuck += 1 } else { duplicated += 1 }
                    findings.add("\(tag) \(replica.name)'s \(id) is at the node \(n) times")
                }
                if !held.contains(id) {
                    missing += 1
                    findings.add("\(tag) \(replica.name)'s \(id) is not at \(place)")
                }
            }
        }
    }

    /// Every photo on its engineers' tickets is at the depot, byte for byte; every blob
    /// file there hashes to its name.
    private mutating func checkBlobs(_ rig: FieldRig, depot: DepotHop, tag: String, findings: Findings) {
        let root = depot.data + "/blobs"
        for (sha, original) in rig.originals.sorted(by: { $0.key < $1.key }) {
            guard let engineer = rig.photoEngineers[sha], depot.engineers.contains(engineer) else { continue }
            photos += 1
            let path = "\(root)/\(sha.prefix(2))/\(sha)"
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            if size != original.size || OpTable.fileSHA256(path) != sha {
                blobsBad += 1
                findings.add("\(tag) photo \(sha.prefix(12)) (\(original.size) bytes) is \(size.map { "\($0) bytes hashing to \(OpTable.fileSHA256(path)?.prefix(12) ?? "?")" } ?? "not") at \(place)")
            }
        }
        for path in Ledger.misnamedBlobs(in: root) {
            blobsBad += 1
            findings.add("\(tag) \(path) does not hash to its name")
        }
    }

    var summary: String {
        "\(label): \(ops) ops held: \(stuck) not at \(above) or waiting, \(missing) of its tickets' missing, \(duplicated) duplicated, \(diverged) diverged; \(tickets) tickets compared with \(above); \(photos) photos checked at \(place), \(blobsBad) bad; \(replicaOps) ops of \(replicas.joined(separator: " and ")) checked at the node once each"
    }
}
