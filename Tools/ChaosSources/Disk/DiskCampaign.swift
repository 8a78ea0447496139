import FieldTestSupport
import Foundation

/// `Tools/chaos disk`: the crash campaign's field with the node's data folder and one
/// device's home on small tmpfs disks (README "Full disks"). Each round the seeded work
/// runs with room, then the disks are filled (the node's just over its reserve, under it,
/// or to nothing, now and then while a photo uploads or before a restart; the device's to
/// a few MB or to nothing), and probes check what the README promises: photos never take
/// the reserve, notes push and pulls work on a node under it, every refusal is 507 with
/// plain words, a full device refuses writes in plain words and keeps what it had. Then
/// the disks are freed, everything is settled and checked: nothing lost, duplicated or
/// diverged.
enum DiskCampaign {
    static func run(rounds: Int, seed: UInt64) throws -> Bool {
        let started = Date()
        Say.progress("disk: \(rounds) rounds, seed \(seed): the node on a \(DiskField.nodeMB) MiB tmpfs (reserve \(DiskField.reserveMB) MiB), \(DiskField.smallDevice) on a \(DiskField.deviceMB) MiB tmpfs")
        let field = try DiskField()
        defer { field.tearDown() }
        let rig = try field.start()
        let findings = Findings()
        let c = DiskContext(field: field, rig: rig, findings: findings, seed: seed, reproduce: "Tools/chaos disk --rounds \(rounds) --seed \(seed)")
        var rng = SeededRandom(seed: seed)
        var workload = Workload(seed: seed &+ 1)
        // Photos up to 4 MB: the disks are small, and what counts is how full they are.
        workload.maxPhoto = 4_000_000
        var deviceWasFull = false
        // Every device holds its tickets before the disks fill.
        for replica in rig.replicas { try c.sync(replica, "first sync") }

        func work(_ steps: ClosedRange<Int>, _ what: String) throws {
            for _ in 0..<Int.random(in: steps, using: &rng) {
                let replica = rig.replicas.randomElement(using: &rng)!
                _ = try workload.step(replica, rig: rig)
                if Int.random(in: 0..<100, using: &rng) < 60 { try c.sync(replica, what) }
            }
        }

        for round in 1...rounds {
            c.round = round
            // Room again: what was refused goes now.
            field.node.empty()
            field.device.empty()
            c.plan = DiskPlan(node: .room, device: .room, restartNode: false, fillDuringUpload: false)
            if deviceWasFull { try FullDeviceProbe.kept(c) }
            workload.dispatches = true
            try work(1...2, "sync with room")

            let plan = DiskPlan.draw(&rng, reserve: field.reserve)
            let before = try c.small.ticketDigests()
            c.plan = plan
            c.tally.rounds += 1
            c.tally.nodeLevels[plan.node.name, default: 0] += 1
            c.tally.deviceLevels[plan.device == .room ? "room" : plan.device == .none ? "full" : "tight", default: 0] += 1
            switch plan.node {
            case .room: break
            case .edge(let leave), .underReserve(let leave): try field.node.fill(leaving: leave)
            case .none: try field.node.fill(leaving: 0)
            }
            switch plan.device {
            case .room: break
            case .tight(let leave): try field.device.fill(leaving: leave)
            case .none: try field.device.fill(leaving: 0)
            }
            if plan.restartNode { try c.restartNode("on its disk with \(plan.node)") }
            if plan.fillDuringUpload { try UploadRace.run(c) }
            try FullNodeProbe.run(c)
            try FullDeviceProbe.run(c, before: before)
            // The seeded work goes on on the full disks (dispatch cannot create tickets on
            // a node with no room at all).
            workload.dispatches = c.plan.node != .none
            try work(1...3, "sync with the node \(c.plan.node.name)")
            deviceWasFull = plan.device != .room
            if !rig.node.isRunning {
                c.add("[crash] the node died: \(rig.node.crashLine ?? rig.node.logTail)")
                try c.restartNode("after it died")
            }
            if round % 5 == 0 || round == rounds {
                Say.progress("disk: \(round)/\(rounds) in \(Say.seconds(started)): \(c.tally.syncsAll) syncs (\(c.tally.syncsOK) ok, \(c.tally.syncsPhotosRefused) photos refused, \(c.tally.syncsRefused) refused whole), \(findings.count) findings so far")
            }
        }
        let loopTime = Date().timeIntervalSince(started)

        Say.progress("disk: freeing the disks and settling (syncing every replica until quiet)")
        field.node.empty()
        field.device.empty()
        c.plan = DiskPlan(node: .room, device: .room, restartNode: false, fillDuringUpload: false)
        if deviceWasFull { try FullDeviceProbe.kept(c) }
        let settled = try Settle.run(rig, findings: findings)
        let ledger = try Ledger.check(rig, findings: findings)
        let stores = try StoreCheck.run(rig, findings: findings)
        let alive = Alive.check(rig.node, findings: findings)
        let log = NodeLogScan.read(rig.node.logPath)
        log.report(to: findings, reproduce: c.reproduce)

        let t = c.tally
        Say.line("chaos disk: \(rounds) rounds, seed \(seed), in \(Say.seconds(started)) (\(String(format: "%.1f", loopTime / Double(rounds))) s per round)")
        Say.line("  disks: the node on \(DiskField.nodeMB) MiB (reserve \(DiskField.reserveMB) MiB), \(DiskField.smallDevice) on \(DiskField.deviceMB) MiB")
        Say.line("  node disk by round: \(DiskTally.list(t.nodeLevels, order: ["room", "edge", "under reserve", "full"])); \(t.nodeRestarts) restarts on the filled disk (\(log.startWarnings) warned of free space under the reserve); \(t.races) uploads met a disk filled under them (\(DiskTally.list(t.raceOutcomes, order: ["ok", "photos refused (507)", "refused whole (507)", "failed", "crashed"])))")
        Say.line("  \(DiskField.smallDevice) disk by round: \(DiskTally.list(t.deviceLevels, order: ["room", "tight", "full"]))")
        Say.line("  workload: \(workload.commands) commands (\(workload.refused) refused by the CLI), \(workload.photos) photos, \(workload.photoBytes / 1_000_000) MB; \(workload.dispatchChanges) dispatch changes")
        Say.line("  syncs: \(t.syncsAll): \(t.syncsOK) ok, \(t.syncsPhotosRefused) with photos refused (507), \(t.syncsRefused) refused whole (507, op log full), \(t.syncsDeviceFull) device full, \(t.syncsFailed) failed; \(t.pushPullChecked) on a node short of room checked against it (every op there, every ticket equal)")
        Say.line("  node: \(log.uploadsRefused) photo uploads and \(log.syncsRefused) syncs refused for room (its log); \(t.rawUploads507) of \(t.rawUploads) raw uploads under the reserve answered 507 quota; \(t.adminWritesRefused) dispatch changes refused on a full disk; lowest free after a sync just over the reserve (\(mb(field.reserve))): \(t.lowestEdgeFree == .max ? "none" : mb(t.lowestEdgeFree)); \(log.failed.count) failed requests (5xx other than 507)")
        Say.line("  device: writes on a full or tight disk: \(t.deviceWritesRefused) refused (storage full), \(t.deviceWritesStored) stored; \(t.devicePhotosRefused) photos refused with the MB needed; \(t.deviceReads) reads")
        if let repeats = c.repeatSummary { Say.line("  findings seen again in later rounds (listed once): \(repeats)") }
        Say.line("  settled in \(settled.rounds) rounds\(settled.quiet ? "" : " (NOT quiet)")")
        Say.line("  \(ledger.summary)")
        Say.line("  store checks: \(stores == 0 ? "none (no `check` in this build)" : "\(stores) stores (node and replicas)")")
        Say.line("  node alive: \(alive ? "yes" : "no")")
        return findings.verdict("disk")
    }
}
