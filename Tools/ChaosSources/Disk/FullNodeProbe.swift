import FieldWire
import Foundation

/// The node's side: with its disk at the round's level, every device with room records a
/// note (and on a node under its reserve, a small photo), dispatch changes one of its
/// tickets, and it syncs. Where the ops went, the node must hold every op the device
/// made and both must agree on every ticket (push and pull work on a full disk); a photo
/// the node lacks is then offered by hand, and must get 507 `quota` in plain words.
enum FullNodeProbe {
    static func run(_ c: DiskContext) throws {
        var rawProbed = false
        for replica in c.rig.replicas where c.deviceLevel(of: replica) != .none {
            let ticket = c.ticket(of: replica)
            if try c.record(replica, ["note", ticket, "disk round \(c.round): note while the node's disk is \(c.plan.node.name)"]) == nil {
                c.add("[device] \(replica.name): a note was refused on a device with room: \(replica.lastRefusal?.stderr.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300) ?? "")")
            }
            var pending: (sha: String?, path: String)?
            if c.nodeLevel.photosMustBeRefused && !rawProbed {
                pending = try c.photo(replica, ticket, size: Int.random(in: 20_000...300_000, using: &c.rng))
            }
            try c.dispatchChange(c.ticket(of: replica))
            let verdict = try c.sync(replica, "sync on a node with its disk \(c.plan.node.name)")
            guard verdict.opsWent else { continue }
            if c.nodeLevel != .room { try checkPushPull(c, replica) }
            if let sha = pending?.sha, let path = pending?.path {
                rawUpload(c, replica, sha: sha, path: path)
                rawProbed = true
            }
        }
    }

    /// After a sync whose ops went: the node holds every op `replica` recorded, and they
    /// agree on every ticket `replica` holds.
    static func checkPushPull(_ c: DiskContext, _ replica: Replica) throws {
        c.tally.pushPullChecked += 1
        let onNode = Set(try OpTable.read(c.nodeData + "/node.sqlite").map(\.id))
        let missing = replica.ledger.filter { !onNode.contains($0) }
        if let first = missing.first {
            c.add("[push] after \(replica.name)'s sync went, \(missing.count) of its \(replica.ledger.count) ops are not on the node (first \(first))")
        }
        let list = try JSONSerialization.jsonObject(with: Data(try c.rig.node.adminOK("tickets", "--json").utf8)) as? [[String: Any]] ?? []
        var central: [String: String] = [:]
        for t in list { if let id = t["id"] as? String { central[id] = t["digest"] as? String ?? "" } }
        let mine = try replica.ticketDigests()
        for id in c.rig.tickets[replica.engineer] ?? [] where mine[id] == nil {
            c.add("[pull] after \(replica.name)'s sync went, it does not hold \(id), assigned to \(replica.engineer)")
        }
        for (id, digest) in mine.sorted(by: { $0.key < $1.key }) where central[id] != digest {
            c.add("[pull] after \(replica.name)'s sync went, \(id) differs: the device has \(digest.prefix(12)), the node \(central[id]?.prefix(12) ?? "nothing")")
        }
    }

    /// The first bytes of a photo the node lacks, sent as the client would: a node under
    /// its reserve answers 507 with the `quota` code and words that name none of its files.
    static func rawUpload(_ c: DiskContext, _ replica: Replica, sha: String, path: String) {
        guard let token = try? String(contentsOfFile: replica.home + "/token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            let data = FileManager.default.contents(atPath: path)
        else { return }
        let body = [UInt8](data.prefix(65_536))
        let answer = RawHTTP.exchange(
            port: c.rig.node.port,
            RawRequest(method: "PUT", target: "/v1/blobs/\(sha)?offset=0", headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/octet-stream")], body: body))
        c.tally.rawUploads += 1
        if answer.status == 507 && answer.errorCode == 16 {
            c.tally.rawUploads507 += 1
        } else {
            c.add("[507] PUT /v1/blobs/\(sha.prefix(12))…?offset=0 (\(body.count) bytes) to a node with \(mb(c.field.node.free)) free (reserve \(DiskField.reserveMB) MiB): \(answer.summary); expected 507 with code 16 (quota)")
        }
        if answer.status >= 500 && answer.status != 507 {
            c.add("[5xx] PUT /v1/blobs/\(sha.prefix(12))… was answered \(answer.status)")
        }
        let message = errorMessage(answer.body)
        if answer.status == 507 && message == nil { c.add("[507] a 507 with no error frame: \(answer.summary)") }
        if let message, let problem = NodeWords.problem(in: message, nodeData: c.nodeData) { c.add("\(problem) (raw upload)") }
    }

    static func errorMessage(_ body: [UInt8]) -> String? {
        guard !body.isEmpty, let messages = try? Frame.decode(body) else { return nil }
        for case .error(let error) in messages { return error.message }
        return nil
    }
}
