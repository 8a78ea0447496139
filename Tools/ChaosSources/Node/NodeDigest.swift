import FieldModel
import FieldTestSupport
import Foundation
import GRDB

/// What a node holds that a refused request must not change: every ticket's state, every
/// op, every complete blob, and which files its data folder has. (Quarantine, device
/// clocks and unfinished uploads may change: refusing a request records them.)
struct NodeDigest: Equatable, Sendable {
    /// Ticket id -> status and state digest, from `fieldsync-node tickets --json`.
    var tickets: [String: String] = [:]
    /// Op count and SHA-256 over every op row (id, stamp, subject, kind, payload).
    var opCount = 0
    var opsHash = ""
    /// Blob path under blobs/ -> SHA-256 of its bytes.
    var blobs: [String: String] = [:]
    /// Entries of the data folder and of the folder around it.
    var files: [String] = []
    /// Replica id -> "acked owner" from the node's progress bookkeeping.
    var progress: [String: String] = [:]

    /// With `tickets` false, a quick digest (no admin command: ops, progress, blobs and
    /// files only; ticket state changes only through ops), cheap enough after every request.
    static func take(_ node: ChaosNode, tickets: Bool = true) throws -> NodeDigest {
        var digest = NodeDigest()
        let list = tickets ? try JSONSerialization.jsonObject(with: Data(try node.adminOK("tickets", "--json").utf8)) as? [[String: Any]] ?? [] : []
        for ticket in list {
            guard let id = ticket["id"] as? String else { continue }
            digest.tickets[id] = "\(ticket["status"] ?? "?") \(ticket["digest"] ?? "?")"
        }
        let ops = try OpTable.read(node.data + "/node.sqlite")
        digest.opCount = ops.count
        digest.opReplicas = Set(ops.map(\.replica))
        var canonical = [UInt8]()
        for op in ops.sorted(by: { ($0.replica, $0.counter) < ($1.replica, $1.counter) }) {
            canonical += Array("\(op.id) \(op.wall) \(op.logical) \(op.subject) \(op.kind) ".utf8) + op.payload + [10]
        }
        digest.opsHash = SHA256.hash(canonical).hex
        digest.progress = try OpTable.withDatabase(node.data + "/node.sqlite") { db in
            var rows: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT replica, acked, owner FROM replica_progress") {
                rows[row["replica"]] = "acked \(row["acked"] as Int64) owner \(row["owner"] as String)"
            }
            return rows
        }
        let blobsRoot = node.data + "/blobs"
        for path in ((try? FileManager.default.subpathsOfDirectory(atPath: blobsRoot)) ?? []).sorted() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: blobsRoot + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            // The blob store's own scratch space is not a complete blob.
            if path.hasPrefix("tmp/") { continue }
            digest.blobs[path] = OpTable.fileSHA256(blobsRoot + "/" + path) ?? "unreadable"
        }
        let parent = (node.data as NSString).deletingLastPathComponent
        digest.files = ((try? FileManager.default.contentsOfDirectory(atPath: node.data)) ?? []).map { "data/" + $0 }
            + ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).map { "around/" + $0 }
        digest.files.sort()
        return digest
    }

    /// What changed from `before`, one item per difference (empty: unchanged).
    func changes(from before: NodeDigest) -> [String] {
        var out: [String] = []
        for id in Set(tickets.keys).union(before.tickets.keys).sorted() where tickets[id] != before.tickets[id] {
            out.append("ticket \(id): \(before.tickets[id] ?? "absent") -> \(tickets[id] ?? "absent")")
        }
        if opCount != before.opCount || opsHash != before.opsHash {
            out.append("ops: \(before.opCount) rows (\(before.opsHash.prefix(12))) -> \(opCount) rows (\(opsHash.prefix(12)))")
        }
        for path in Set(blobs.keys).union(before.blobs.keys).sorted() where blobs[path] != before.blobs[path] {
            out.append("blob \(path): \(before.blobs[path]?.prefix(12) ?? "absent") -> \(blobs[path]?.prefix(12) ?? "absent")")
        }
        // Refused pushes may name new replicas; those the node knew must not move, and no
        // replica with ops before may gain progress (or an owner).
        let known = Set(before.progress.keys)
        for replica in Set(progress.keys).union(known).sorted() where progress[replica] != before.progress[replica] {
            if known.contains(replica) || before.opReplicas.contains(replica) {
                out.append("progress of \(replica): \(before.progress[replica] ?? "none") -> \(progress[replica] ?? "none")")
            }
        }
        let added = Set(files).subtracting(before.files).subtracting(Self.volatileFiles)
        let removed = Set(before.files).subtracting(files).subtracting(Self.volatileFiles)
        if !added.isEmpty { out.append("new files: \(added.sorted().joined(separator: ", "))") }
        if !removed.isEmpty { out.append("files gone: \(removed.sorted().joined(separator: ", "))") }
        return out
    }

    /// Replicas with ops on the node.
    var opReplicas: Set<String> = []

    /// SQLite's journal files come and go with connections.
    static let volatileFiles: Set<String> = ["data/node.sqlite-wal", "data/node.sqlite-shm", "data/node.sqlite-journal"]

    var summary: String { "\(tickets.count) tickets, \(opCount) ops, \(blobs.count) complete blobs" }
}
