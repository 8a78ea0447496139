import FieldTestSupport
import Foundation

/// `Tools/chaos restore`: the crash campaign's field (a real node, three real replicas,
/// the seeded workload) while the harness backs up the node's data folder and devices'
/// homes, and later puts them back from an earlier backup (README "Restoring from a
/// backup", SPEC §9). Then everything is settled and checked: every op a device still
/// holds of its own is on the node once, every photo a device holds is on the node,
/// every replica agrees with the node — apart from what the README does not promise
/// (ops made at central after a backup that was put back), counted on its own.
enum RestoreCampaign {
    enum Event: String { case nodeBackup = "node backup", nodeRestore = "node restore", deviceBackup = "device backup", deviceRestore = "device restore", none }

    struct NodeBackup {
        let round: Int
        let path: String
        /// Op ids the copy holds.
        let ops: Set<String>
    }

    struct DeviceBackup {
        let round: Int
        let path: String
        /// The device's ledger when the copy was taken (what the copy holds of its own).
        let ledger: [String]
        /// How many photos it had attached by then.
        let photos: Int
        /// The node's address the copy was logged in to.
        let url: String
    }

    struct Tally {
        var events: [Event: Int] = [:]
        var syncsOK = 0
        var syncsFailed = 0
        var renumbered = 0
        var ownOpsRestored = 0
        var resent = 0
        /// Others' ops devices gave back to a restored node, with its vouchers.
        var givenBack = 0
        /// Device restores that put the backup's bytes into the same file (as a file-system
        /// snapshot rolled back in place would: no fork, SPEC §9.3), not a copy.
        var inPlace = 0
        /// Ops a device recorded after its backup and never synced: the restore took them
        /// (nobody holds them; not a finding).
        var droppedWithDevice = 0
        /// Device ops neither side holds after both were restored (not a finding).
        var droppedBothRestored = 0
        /// Central (dispatch) ops the node lost to a restore: the README's "Not promised".
        var centralOpsLost = 0
        var photosDroppedWithDevice = 0
        /// Device ops a device restore had taken that a node backup brought back.
        var resurrected = 0
        var log: [String] = []
    }

    static func run(rounds: Int, seed: UInt64, strict: Bool) throws -> Bool {
        let started = Date()
        Say.progress("restore: \(rounds) rounds, seed \(seed)\(strict ? ", strict (dispatch only before the node's first backup)" : "")")
        let rig = try FieldRig("restore")
        defer { rig.tearDown() }
        // Everything found goes here first: what follows from a lost central op is sorted
        // out at the end.
        let raw = Findings()
        let backups = rig.scratch.sub("backups")
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: true)
        var rng = SeededRandom(seed: seed)
        var workload = Workload(seed: seed &+ 1)
        // Small photos: the campaign is about histories, not bandwidth.
        workload.maxPhoto = 3_000_000
        var tally = Tally()
        var nodeBackups: [NodeBackup] = []
        var deviceBackups: [String: [DeviceBackup]] = [:]
        /// Per device: where in its ledger the ops recorded since its last restore begin.
        var freshFrom: [String: Int] = [:]
        /// Photos in attach order per device (SHA-256), to know which a restore took away.
        var photosBy: [String: [String]] = [:]
        var droppedPhotos: Set<String> = []
        /// Tickets on which a central op was lost, and the lost central op ids.
        var tainted: Set<String> = []
        var lostCentral: Set<String> = []
        /// Device ops that neither their device nor the node held after a restore.
        var droppedIDs: Set<String> = []
        let deviceIDs = Set(rig.replicas.map(\.id))
        let reproduce = "Tools/chaos restore --rounds \(rounds) --seed \(seed)\(strict ? " --strict" : "")"

        func sync(_ replica: Replica, round: Int) throws {
            let r = try replica.run(["sync", "--json"])
            let answer = r.object
            if r.status == 0 && !r.killedBySignal {
                tally.syncsOK += 1
            } else {
                tally.syncsFailed += 1
                raw.add("[sync] round \(round): \(replica.name)'s sync failed on a clean link (expected: it succeeds, the node and the device recover each other's history): exit \(r.status): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).prefix(400)) — \(reproduce)")
            }
            let moved = answer["renumbered"] as? [String: String] ?? [:]
            tally.renumbered += moved.count
            tally.ownOpsRestored += answer["ownOpsRestored"] as? Int ?? 0
            tally.resent += answer["resent"] as? Int ?? 0
            tally.givenBack += answer["givenBack"] as? Int ?? 0
            replica.renumber(moved, from: freshFrom[replica.name] ?? Int.max)
        }

        func copy(_ from: String, to: String) throws {
            try? FileManager.default.removeItem(atPath: to)
            try FileManager.default.copyItem(atPath: from, toPath: to)
        }

        func restartNode(round: Int) throws {
            if try rig.node.restart() { try rig.connect(to: rig.node.url) }
            if let dead = rig.node.waitHealthy(limit: 30) {
                raw.add("[crash] round \(round): the node did not come back after a stop: \(dead) — \(reproduce)")
                if try rig.node.restart() { try rig.connect(to: rig.node.url) }
            }
        }

        for round in 1...rounds {
            // Some work and some syncs.
            for _ in 0..<Int.random(in: 2...4, using: &rng) {
                let replica = rig.replicas.randomElement(using: &rng)!
                let before = Set(rig.originals.keys)
                _ = try workload.step(replica, rig: rig)
                photosBy[replica.name, default: []] += rig.originals.keys.filter { !before.contains($0) }.sorted()
                if Int.random(in: 0..<100, using: &rng) < 55 { try sync(replica, round: round) }
            }
            let roll = Int.random(in: 0..<100, using: &rng)
            let target = rig.replicas.randomElement(using: &rng)!
            let pick = rng.next()
            var event: Event = roll < 22 ? .nodeBackup : roll < 42 ? .nodeRestore : roll < 64 ? .deviceBackup : roll < 86 ? .deviceRestore : .none
            if event == .nodeRestore && nodeBackups.isEmpty { event = .nodeBackup }
            if event == .deviceRestore && (deviceBackups[target.name] ?? []).isEmpty { event = .deviceBackup }
            switch event {
            case .nodeBackup:
                rig.node.stop()
                let path = backups + "/node-r\(round)"
                try copy(rig.node.data, to: path)
                try restartNode(round: round)
                let ops = Set(try OpTable.read(path + "/node.sqlite").map(\.id))
                nodeBackups.append(NodeBackup(round: round, path: path, ops: ops))
                if strict { workload.dispatches = false }
                tally.log.append("round \(round): node backed up (\(ops.count) ops)")
            case .nodeRestore:
                let backup = nodeBackups[Int(pick % UInt64(nodeBackups.count))]
                rig.node.stop()
                let before = try OpTable.read(rig.node.data + "/node.sqlite")
                try FileManager.default.removeItem(atPath: rig.node.data)
                try copy(backup.path, to: rig.node.data)
                try restartNode(round: round)
                // Every op some device holds comes back (given back with the node's vouchers).
                var anyDevice: Set<String> = []
                for replica in rig.replicas { anyDevice.formUnion(try replica.storedOps().map(\.id)) }
                // What the README does not promise: central's own ops after the backup that no
                // device holds.
                for op in before where !deviceIDs.contains(op.replica) && !backup.ops.contains(op.id) && !anyDevice.contains(op.id) {
                    tally.centralOpsLost += 1
                    lostCentral.insert(op.id)
                    tainted.insert(op.subject)
                }
                // Device ops that neither the restored node nor any device holds any more.
                for replica in rig.replicas {
                    let keep = replica.ledger.filter { anyDevice.contains($0) || backup.ops.contains($0) }
                    droppedIDs.formUnion(replica.ledger.filter { !keep.contains($0) })
                    if keep.count != replica.ledger.count {
                        tally.droppedBothRestored += replica.ledger.count - keep.count
                        let fresh = freshFrom[replica.name].map { from in replica.ledger[..<min(from, replica.ledger.count)].filter { keep.contains($0) }.count }
                        replica.resetLedger(keep)
                        if let fresh { freshFrom[replica.name] = fresh }
                    }
                    // The copy may hold ops of a device that a device restore had taken from
                    // it: the device gets them back at its next sync (before what it recorded
                    // since, which moves after them).
                    let known = Set(replica.ledger[..<min(freshFrom[replica.name] ?? replica.ledger.count, replica.ledger.count)])
                    let ids = try replica.ids()
                    let back = try OpTable.read(backup.path + "/node.sqlite").filter { ids.contains($0.replica) && !known.contains($0.id) }.map(\.id)
                    if !back.isEmpty {
                        var ledger = replica.ledger
                        let at = min(freshFrom[replica.name] ?? ledger.count, ledger.count)
                        ledger.insert(contentsOf: back, at: at)
                        replica.resetLedger(ledger)
                        if freshFrom[replica.name] != nil { freshFrom[replica.name] = at + back.count }
                        tally.resurrected += back.count
                    }
                }
                tally.log.append("round \(round): node restored from round \(backup.round)'s backup (\(before.count) -> \(backup.ops.count) ops)")
            case .deviceBackup:
                let path = backups + "/\(target.name)-r\(round)"
                try copy(target.home, to: path)
                deviceBackups[target.name, default: []].append(DeviceBackup(round: round, path: path, ledger: target.ledger, photos: photosBy[target.name]?.count ?? 0, url: rig.node.url))
                tally.log.append("round \(round): \(target.name) backed up (\(target.ledger.count) own ops)")
            case .deviceRestore:
                let list = deviceBackups[target.name]!
                let backup = list[Int(pick % UInt64(list.count))]
                // What it gets back: what the node holds, and what other devices hold and give
                // back to a restored node.
                var onNode = Set(try OpTable.read(rig.node.data + "/node.sqlite").map(\.id))
                for other in rig.replicas where other !== target { onNode.formUnion(try other.storedOps().map(\.id)) }
                let inBackup = Set(backup.ledger)
                // It keeps what its copy holds, and gets back at its next sync what the node holds.
                // (Its copy may hold ops an earlier restore had taken: they are back.)
                let expected = backup.ledger + target.ledger.filter { !inBackup.contains($0) && onNode.contains($0) }
                let kept = Set(expected)
                let dropped = target.ledger.filter { !kept.contains($0) }
                tally.droppedWithDevice += dropped.count
                droppedIDs.formUnion(dropped)
                for sha in (photosBy[target.name] ?? []).dropFirst(backup.photos) { droppedPhotos.insert(sha) }
                // Half the time the replica's file keeps its identity (a snapshot rolled back in
                // place): the device does not fork, the node gives its history back and what it
                // records next moves to new counters. Otherwise a copy: it forks.
                let inPlace = Bool.random(using: &rng)
                let sameFile = rig.scratch.sub("in-place-\(target.name)")
                if inPlace { try FileManager.default.moveItem(atPath: target.home + "/replica.sqlite", toPath: sameFile) }
                try FileManager.default.removeItem(atPath: target.home)
                try copy(backup.path, to: target.home)
                if inPlace {
                    let bytes = try Data(contentsOf: URL(fileURLWithPath: target.home + "/replica.sqlite"))
                    try FileManager.default.removeItem(atPath: target.home + "/replica.sqlite")
                    try FileManager.default.moveItem(atPath: sameFile, toPath: target.home + "/replica.sqlite")
                    let file = try FileHandle(forWritingTo: URL(fileURLWithPath: target.home + "/replica.sqlite"))
                    try file.truncate(atOffset: 0)
                    try file.write(contentsOf: bytes)
                    try file.close()
                    tally.inPlace += 1
                }
                if backup.url != rig.node.url { try rig.connect(to: rig.node.url) }
                target.resetLedger(expected)
                freshFrom[target.name] = expected.count
                tally.log.append("round \(round): \(target.name) restored from round \(backup.round)'s backup\(inPlace ? " in place" : "") (\(target.ledger.count) own ops expected back)")
            case .none:
                break
            }
            tally.events[event, default: 0] += 1
            if !rig.node.isRunning {
                raw.add("[crash] round \(round): the node died by itself: \(rig.node.crashLine ?? rig.node.logTail) — \(reproduce)")
                try restartNode(round: round)
            }
            if round % 10 == 0 || round == rounds {
                Say.progress("restore: \(round)/\(rounds) in \(Say.seconds(started)): \(tally.syncsOK) syncs ok, \(tally.events[.nodeRestore] ?? 0) node restores, \(tally.events[.deviceRestore] ?? 0) device restores, \(raw.count) findings so far")
            }
        }
        let loopTime = Date().timeIntervalSince(started)

        Say.progress("restore: settling (syncing every replica until quiet)")
        let end = raw
        let settled = try Settle.run(rig, findings: end)
        // Photos a restored device took with it before any upload: nobody holds them.
        let held = heldBlobs(rig)
        var photosGone = 0
        for sha in droppedPhotos.sorted() where !held.contains(sha) && rig.originals[sha] != nil {
            photosGone += 1
            rig.forgetPhoto(sha)
        }
        tally.photosDroppedWithDevice = photosGone
        let ledger = try Ledger.check(rig, findings: end)
        let stores = try StoreCheck.run(rig, findings: end)
        let alive = Alive.check(rig.node, findings: end)
        let sorted = try Classify(rig, tainted: tainted, lostCentral: lostCentral)
        let findings = Findings()
        var expected: [String] = []
        let all = end.all
        var stuck: Set<String> = []
        for (finding, isExpected) in zip(all, sorted.sort(all)) {
            if isExpected {
                expected.append(finding)
            } else {
                var text = finding
                if finding.contains("reused a counter"), let id = droppedIDs.first(where: { finding.contains("op \($0) ") }) {
                    text = "[stuck] " + finding + " (\(id) was lost by its maker and the node to restores; a device that had pulled it keeps it, its maker then made another op under that id, and that device can no longer sync)"
                }
                if text.hasPrefix("[stuck]"), let name = rig.replicas.map(\.name).first(where: { finding.contains(" \($0)'s ") || finding.contains("] \($0):") }) {
                    stuck.insert(name)
                } else if let name = stuck.first(where: { text.contains(": \($0) has state") || text.contains("] \($0): fieldsync fetch") }) {
                    text += " (follows from \(name)'s stuck sync)"
                } else if text.hasPrefix("[blob]"), let prefix = text.split(separator: " ").dropFirst().first, let owner = sorted.owner(ofPhoto: String(prefix)), stuck.contains(owner) {
                    text += " (attached on \(owner), whose sync is stuck)"
                }
                findings.add(text.contains(reproduce) ? text : "\(text) — \(reproduce)")
            }
        }
        let expectedDiverged = expected.filter { $0.hasPrefix("[diverged]") }.count
        let expectedLost = expected.filter { $0.hasPrefix("[lost]") }.count
        let expectedBlobs = expected.filter { $0.hasPrefix("[blob]") }.count
        let expectedDuplicated = expected.filter { $0.hasPrefix("[duplicated]") && !$0.contains("counters of") }.count

        Say.line("chaos restore: \(rounds) rounds, seed \(seed)\(strict ? ", strict" : ""), in \(Say.seconds(started)) (\(String(format: "%.2f", loopTime / Double(rounds))) s per round)")
        Say.line("  workload: \(workload.commands) commands (\(workload.refused) refused by the CLI), \(workload.photos) photos, \(workload.photoBytes / 1_000_000) MB; \(workload.dispatchChanges) dispatch changes")
        Say.line("  node: \(tally.events[.nodeBackup] ?? 0) backups, \(tally.events[.nodeRestore] ?? 0) restores; devices: \(tally.events[.deviceBackup] ?? 0) backups, \(tally.events[.deviceRestore] ?? 0) restores; \(tally.events[.none] ?? 0) rounds without either")
        Say.line("  syncs: \(tally.syncsOK) ok, \(tally.syncsFailed) failed; \(tally.resent) ops re-sent to a restored node, \(tally.givenBack) of others' given back to it, \(tally.ownOpsRestored) own ops given back to restored devices (\(tally.inPlace) restored in place), \(tally.renumbered) renumbered; settled in \(settled.rounds) rounds\(settled.quiet ? "" : " (NOT quiet)")")
        Say.line("  device ops: \(ledger.recorded) held by their devices: \(ledger.lost - expectedLost) lost, \(ledger.duplicated - expectedDuplicated) duplicated, \(ledger.diverged - expectedDiverged) diverged (findings)")
        Say.line("  device photos: \(ledger.blobsChecked) checked on the node, \(ledger.blobsBad - expectedBlobs) bad (findings)")
        Say.line("  convergence: \(ledger.ticketsCompared) replica tickets compared")
        Say.line("  taken by restores, as the README says (not findings): \(tally.droppedWithDevice) device ops never synced before their device's restore, \(tally.droppedBothRestored) held by neither after both were restored, \(photosGone) photos never uploaded; \(tally.resurrected) ops a device restore had taken came back with a node backup")
        Say.line("  expected divergence (central ops after the backup): \(tally.centralOpsLost) central ops lost on \(tainted.count) tickets; \(expected.count) consequences (\(expectedDiverged) ticket differences, \(expectedLost) device ops held back on tickets the node lost, \(expectedBlobs) of their photos)")
        for line in expected.prefix(20) { Say.line("    · \(line)") }
        if expected.count > 20 { Say.line("    · … and \(expected.count - 20) more") }
        Say.line("  store checks: \(stores == 0 ? "none (no `check` in this build)" : "\(stores) stores (node and replicas)")")
        Say.line("  node alive: \(alive ? "yes" : "no")")
        if findings.count > 0 {
            Say.line("  backups and restores:")
            for line in tally.log { Say.line("    \(line)") }
        }
        return findings.verdict("restore")
    }

    /// SHA-256 names of every blob file in any replica's home.
    private static func heldBlobs(_ rig: FieldRig) -> Set<String> {
        var out: Set<String> = []
        for replica in rig.replicas {
            for path in (try? FileManager.default.subpathsOfDirectory(atPath: replica.home + "/blobs")) ?? [] {
                let name = (path as NSString).lastPathComponent
                if name.count == 64 { out.insert(name) }
            }
        }
        return out
    }
}
