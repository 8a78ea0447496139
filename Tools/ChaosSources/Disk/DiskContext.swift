import FieldTestSupport
import Foundation

/// What every probe of the disk campaign shares: the field, the round's plan, the
/// figures and the findings, and the one way a sync is run and judged.
final class DiskContext: @unchecked Sendable {
    // @unchecked: used from the campaign's one thread only.
    let field: DiskField
    let rig: FieldRig
    let findings: Findings
    let reproduce: String
    var tally = DiskTally()
    var plan = DiskPlan(node: .room, device: .room, restartNode: false, fillDuringUpload: false)
    var round = 0
    var rng: SeededRandom
    private var photoCount = 0

    init(field: DiskField, rig: FieldRig, findings: Findings, seed: UInt64, reproduce: String) {
        self.field = field
        self.rig = rig
        self.findings = findings
        self.reproduce = reproduce
        rng = SeededRandom(seed: seed &+ 11)
    }

    /// The device whose home is on the small disk.
    var small: Replica { rig.replicas.first { $0.name == DiskField.smallDevice }! }

    var nodeData: String { rig.node.data }

    /// Findings given a key: the first is reported, later ones only counted.
    private(set) var repeats: [(key: String, more: Int)] = []

    /// A finding, with where the campaign was and how to see it again. With `once`, the
    /// same finding in a later round is counted, not listed again.
    func add(_ text: String, once key: String? = nil) {
        if let key {
            if let i = repeats.firstIndex(where: { $0.key == key }) {
                repeats[i].more += 1
                return
            }
            repeats.append((key, 0))
        }
        findings.add("\(text) (round \(round): node \(plan.node), \(small.name) \(plan.device)) — \(reproduce)")
    }

    /// How often each once-only finding came back, for the summary.
    var repeatSummary: String? {
        let seen = repeats.filter { $0.more > 0 }
        return seen.isEmpty ? nil : seen.map { "\($0.key): \($0.more) more time(s)" }.joined(separator: "; ")
    }

    /// The node's level as the README sees it now: "room" only while the disk really has
    /// room for any photo of the workload past the reserve.
    var nodeLevel: NodeLevel {
        if plan.node == .room && field.node.free < field.reserve + (64 << 20) { return .edge(leave: field.node.free) }
        return plan.node
    }

    /// Whether `replica`'s own disk is full or tight this round.
    func deviceLevel(of replica: Replica) -> DeviceLevel { replica === small ? plan.device : .room }

    /// Runs `fieldsync sync --json` on `replica` and judges it against the round's disks.
    @discardableResult
    func sync(_ replica: Replica, _ what: String) throws -> SyncVerdict {
        let r = try replica.run(["sync", "--json"])
        return judge(SyncVerdict.of(r), replica, what)
    }

    /// Judges a sync's verdict: what the README allows at this round's levels, what the
    /// answer may say, and that uploads left the reserve alone.
    @discardableResult
    func judge(_ verdict: SyncVerdict, _ replica: Replica, _ what: String) -> SyncVerdict {
        tally.count(verdict)
        let level = nodeLevel
        let free = field.node.free
        let label = "\(replica.name)'s \(what)"
        switch verdict {
        case .ok(let report):
            let uploaded = report["blobsUploaded"] as? Int ?? 0
            if level.photosMustBeRefused && uploaded > 0 {
                add("[reserve] \(label) uploaded \(uploaded) photo(s) while the node's disk had \(mb(free)) free, under the \(DiskField.reserveMB) MiB reserve")
            }
        case .photosRefused:
            if !level.photosMayBeRefused {
                add("[refused] \(label): photos refused (507) with \(mb(free)) free on the node's disk")
            }
        case .syncRefused(let message):
            if !level.syncMayBeRefused {
                add("[refused] \(label): notes and pulls refused (507) while the node's disk still had \(mb(free)) free (reserve \(DiskField.reserveMB) MiB): only photos may be refused before the disk is full: \(message.prefix(200))")
            }
        case .deviceFull(let message):
            if deviceLevel(of: replica) != .none {
                let room = replica === small ? "\(mb(field.device.free)) free on its small disk" : "a disk with room"
                add("[device] \(label) says the device's storage is full, on \(room): \(message.prefix(200))")
            }
        case .failed(let message):
            add("[sync] \(label) failed: \(message.prefix(400))")
        case .crashed(let message):
            add("[crash] \(label): fieldsync died of a signal: \(message.suffix(300))")
        }
        checkWords(verdict, label)
        if case .edge = level, verdict.opsWent {
            tally.lowestEdgeFree = min(tally.lowestEdgeFree, free)
            // The op log may use a little of the reserve; uploads none of it.
            if free + (2 << 20) < field.reserve {
                add("[reserve] after \(label) the node's disk has \(mb(free)) free, under the \(DiskField.reserveMB) MiB reserve: uploads took the op log's room")
            }
        }
        return verdict
    }

    /// What a sync's error says: the node's words name none of its files and no failure;
    /// the device's are plain.
    func checkWords(_ verdict: SyncVerdict, _ label: String) {
        if case .deviceFull(let message) = verdict {
            checkDeviceWords(message, label)
        } else if let message = verdict.message, let problem = NodeWords.problem(in: message, nodeData: nodeData) {
            add("\(problem) (\(label))")
        }
    }

    /// A device's words about its own full disk: plain, with no SQLite or system error.
    func checkDeviceWords(_ message: String, _ label: String) {
        let lower = message.lowercased()
        for word in ["sqlite", "disk i/o", "errno", "enospc", "database or disk is full"] where lower.contains(word) {
            add("[words] \(label): the device's message shows internals (\(word)): \(message.prefix(300))")
            return
        }
    }

    /// A file of seeded bytes under the scratch folder (never on a small disk).
    func makePhoto(size: Int) throws -> String {
        photoCount += 1
        var fill = SeededRandom(seed: rng.next())
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { raw in
            let words = raw.count / 8
            let wide = raw.baseAddress!.bindMemory(to: UInt64.self, capacity: words)
            for i in 0..<words { wide[i] = fill.next() }
            for i in (words * 8)..<raw.count { raw[i] = UInt8(truncatingIfNeeded: fill.next()) }
        }
        let path = rig.scratch.sub("photos") + "/disk\(photoCount).jpg"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw ChaosError("cannot write \(path)") }
        return path
    }

    /// Records a photo of `size` bytes on `ticket`; returns its SHA-256 if it was stored.
    func photo(_ replica: Replica, _ ticket: String, size: Int) throws -> (sha: String?, path: String) {
        let path = try makePhoto(size: size)
        guard let answer = try record(replica, ["photo", ticket, path, "--caption", "disk round \(round)"]), let sha = answer["sha256"] as? String else {
            return (nil, path)
        }
        rig.attached(path: path, size: size, sha: sha, engineer: replica.engineer)
        return (sha, path)
    }

    /// `replica.record`, with a crash of the CLI a finding rather than the harness's end.
    func record(_ replica: Replica, _ args: [String]) throws -> [String: Any]? {
        do {
            return try replica.record(args)
        } catch let error as ChaosError where error.description.contains("crashed") {
            add("[crash] \(error.description.prefix(400))")
            return nil
        }
    }

    /// A ticket of `replica`'s engineer that it holds (a new one arrives at its next
    /// sync that goes), drawn from the probes' stream.
    func ticket(of replica: Replica) -> String {
        let assigned = rig.tickets[replica.engineer] ?? []
        let held = ((try? replica.ticketDigests()) ?? [:]).keys.filter { assigned.contains($0) }.sorted()
        return (held.isEmpty ? assigned : held).randomElement(using: &rng)!
    }

    /// Dispatch changes `ticket`'s priority at the node (something to pull). On a full
    /// disk the admin CLI may refuse, saying why.
    func dispatchChange(_ ticket: String) throws {
        let r = try rig.node.admin("ticket", "set", ticket, "priority", ["urgent", "high", "normal", "low"].randomElement(using: &rng)!)
        if r.killedBySignal {
            add("[crash] fieldsync-node ticket set died of a signal: \(r.stderr.suffix(300))")
        } else if r.status != 0 {
            if plan.node == .none && r.stderr.contains("storage is full") {
                tally.adminWritesRefused += 1
            } else {
                add("[admin] fieldsync-node ticket set on a disk with \(mb(field.node.free)) free: exit \(r.status): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))")
            }
        }
    }

    /// Restarts the node on its disk as it is; a node that does not come up is a finding
    /// (then it is started on a freed disk so the campaign can go on).
    func restartNode(_ why: String) throws {
        let warnings = Self.count("reserve kept for the op log", in: rig.node.logPath)
        rig.node.stop()
        var moved = false
        do {
            moved = try rig.node.restart()
            if let dead = rig.node.waitHealthy(limit: 30) { throw ChaosError(dead) }
        } catch {
            add("[start] the node did not start (\(why)) with \(mb(field.node.free)) free on its disk: \(error)")
            field.node.empty()
            moved = try rig.node.restart()
        }
        if moved { try rig.connect(to: rig.node.url) }
        field.notePID()
        tally.nodeRestarts += 1
        if field.node.free < field.reserve && Self.count("reserve kept for the op log", in: rig.node.logPath) == warnings {
            add("[warn] the node started with \(mb(field.node.free)) free, under its \(DiskField.reserveMB) MiB reserve, and did not warn")
        }
    }

    static func count(_ needle: String, in path: String) -> Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").components(separatedBy: needle).count - 1
    }
}
