import FieldTestSupport
import Foundation
import GRDB

/// The end-of-campaign checks: every op a replica recorded is on the node exactly once
/// and unchanged, every replica agrees with the node on every ticket it holds, and every
/// blob is byte-exact.
struct Ledger {
    var recorded = 0
    var lost = 0
    var duplicated = 0
    var diverged = 0
    var ticketsCompared = 0
    var blobsChecked = 0
    var blobsBad = 0

    static func check(_ rig: FieldRig, findings: Findings) throws -> Ledger {
        var ledger = Ledger()
        let nodeOps = try OpTable.read(rig.node.data + "/node.sqlite")
        var onNode: [String: [StoredOp]] = [:]
        for op in nodeOps { onNode[op.id, default: []].append(op) }
        for (id, rows) in onNode where rows.count > 1 {
            ledger.duplicated += 1
            findings.add("[duplicated] \(id) is on the node \(rows.count) times")
        }
        for replica in rig.replicas {
            // Its own ops: under every id it recorded under (a restored copy forks, SPEC §9.3).
            let ids = try replica.ids()
            let own = try replica.storedOps().filter { ids.contains($0.replica) }
            let ownByID = Dictionary(own.map { ($0.id, $0) }) { a, _ in a }
            let recorded = Set(replica.ledger)
            ledger.recorded += recorded.count
            for id in replica.ledger where ownByID[id] == nil {
                ledger.lost += 1
                findings.add("[lost] \(replica.name): \(id) was recorded (the CLI said so) but is not in its own store")
            }
            for op in own where !recorded.contains(op.id) {
                ledger.duplicated += 1
                findings.add("[duplicated] \(replica.name): \(op.id) (kind \(op.kind) on \(op.subject)) is in its store but no command recorded it")
            }
            for op in own {
                guard let there = onNode[op.id]?.first else {
                    ledger.lost += 1
                    findings.add("[lost] \(replica.name): \(op.id) (kind \(op.kind) on \(op.subject)) is not on the node")
                    continue
                }
                if there != op {
                    ledger.diverged += 1
                    findings.add("[diverged] \(op.id): the node's copy differs from \(replica.name)'s (wall \(there.wall)/\(op.wall), payload \(there.payload.count)/\(op.payload.count) bytes)")
                }
            }
            // The id it records under now has no gap at the node. (An earlier one may: ops given
            // back by other devices after both were restored are those of their tickets.)
            let current = try OpTable.withDatabase(replica.home + "/replica.sqlite") { db in
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'replica'")
            } ?? replica.id
            let counters = nodeOps.filter { $0.replica == current }.map(\.counter).sorted()
            if counters != (0..<counters.count).map({ Int64($0 + 1) }) {
                findings.add("[duplicated] \(replica.name): the node's counters of \(current) are not 1…\(counters.count)")
            }
            for op in nodeOps where ids.contains(op.replica) && ownByID[op.id] == nil {
                ledger.duplicated += 1
                findings.add("[duplicated] the node holds \(op.id), which \(replica.name) never made")
            }
        }
        try ledger.compareTickets(rig, findings: findings)
        ledger.checkBlobs(rig, findings: findings)
        return ledger
    }

    /// Each replica's digest of each ticket it holds equals the node's; each holds every
    /// ticket its engineer is assigned at the node.
    private mutating func compareTickets(_ rig: FieldRig, findings: Findings) throws {
        let list = try JSONSerialization.jsonObject(with: Data(try rig.node.adminOK("tickets", "--json").utf8)) as? [[String: Any]] ?? []
        var central: [String: String] = [:]
        for t in list { if let id = t["id"] as? String { central[id] = t["digest"] as? String ?? "" } }
        for replica in rig.replicas {
            let mine = try replica.ticketDigests()
            for id in rig.tickets[replica.engineer] ?? [] where mine[id] == nil {
                ledger(findings, "[diverged] \(replica.name) does not hold \(id), assigned to \(replica.engineer)")
            }
            for (id, digest) in mine.sorted(by: { $0.key < $1.key }) {
                ticketsCompared += 1
                if central[id] != digest {
                    ledger(findings, "[diverged] \(id): \(replica.name) has state \(digest.prefix(12)), the node \(central[id]?.prefix(12) ?? "nothing")")
                }
            }
        }
    }

    private mutating func ledger(_ findings: Findings, _ text: String) {
        diverged += 1
        findings.add(text)
    }

    /// Every photo attached is on the node byte for byte; every blob file anywhere hashes
    /// to its name.
    private mutating func checkBlobs(_ rig: FieldRig, findings: Findings) {
        let nodeBlobs = rig.node.data + "/blobs"
        for (sha, original) in rig.originals.sorted(by: { $0.key < $1.key }) {
            blobsChecked += 1
            let path = "\(nodeBlobs)/\(sha.prefix(2))/\(sha)"
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            guard let size else {
                blobsBad += 1
                findings.add("[blob] \(sha.prefix(12)) (\(original.size) bytes, \(original.path)) is not on the node")
                continue
            }
            let onNode = OpTable.fileSHA256(path)
            if size != original.size || onNode != sha || OpTable.fileSHA256(original.path) != sha {
                blobsBad += 1
                findings.add("[blob] \(sha.prefix(12)): the node's file is \(size) bytes hashing to \(onNode?.prefix(12) ?? "?"); the original is \(original.size) bytes")
            }
        }
        for mismatch in rig.photoMismatches { findings.add("[blob] \(mismatch)") }
        for root in [nodeBlobs] + rig.replicas.map({ $0.home + "/blobs" }) {
            for path in Self.misnamedBlobs(in: root) {
                blobsBad += 1
                findings.add("[blob] \(path) does not hash to its name")
            }
        }
    }

    /// Blob files under `root` (a blob folder) that do not hash to their name.
    static func misnamedBlobs(in root: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? []).filter { path in
            let name = (path as NSString).lastPathComponent
            return !path.hasPrefix("tmp") && name.count == 64 && OpTable.fileSHA256(root + "/" + path) != name
        }.map { root + "/" + $0 }
    }

    var summary: String {
        "\(recorded) ops recorded: \(lost) lost, \(duplicated) duplicated, \(diverged) diverged; \(ticketsCompared) replica tickets compared; \(blobsChecked) photos checked on the node, \(blobsBad) bad"
    }
}
