import FieldTestSupport
import Foundation

/// `Tools/chaos link`: the crash campaign's workload and checks, with every sync going
/// through two cutting proxies (one cuts uploads, one downloads) that also delay and
/// stall chunks, for a number of seconds; between rounds, the link modes (`LinkModes`):
/// an idle link, a dead one mid-upload and a 2 KB/s one, each at least once. Two replicas
/// sync at depots of a relay tree (M8, ``RelayTreeRig``: central ← north ← mine2) on a clean LAN
/// link, as mine2 relays to north; north's uplink to the node goes through its own pair of
/// cutting proxies with the same cuts, delays and stalls.
enum LinkCampaign {
    static func run(seconds: Int, seed: UInt64) throws -> Bool {
        let started = Date()
        Say.progress("link: \(seconds) s, seed \(seed)")
        let rig = try FieldRig("link", depot: true)
        defer { rig.tearDown() }
        let findings = Findings()
        // Replicas -> up (cuts uploads) -> down (cuts downloads) -> node.
        let faults = LinkFaults(seed: seed &+ 7, delayChance: 0.15, delayMillis: 1...40, stallChance: 0.01, stallMillis: 500...4_000)
        let down = try CuttingProxy(targetPort: rig.node.port, seed: seed &+ 3, counting: .toClient, cutRange: 500...100_000, faults: faults)
        // Now and then a request stalls past the client's deadline (15 s and more).
        let longStalls = LinkFaults(seed: seed &+ 9, delayChance: 0, stallChance: 0.002, stallMillis: 16_000...22_000)
        let up = try CuttingProxy(targetPort: down.port, seed: seed &+ 5, counting: .toTarget, cutRange: 1_000...600_000, faults: longStalls)
        // The depot's uplink: depot -> uplinkUp (cuts its uploads) -> uplinkDown (cuts downloads) -> node.
        let uplinkFaults = LinkFaults(seed: seed &+ 11, delayChance: 0.15, delayMillis: 1...40, stallChance: 0.01, stallMillis: 500...4_000)
        let uplinkDown = try CuttingProxy(targetPort: rig.node.port, seed: seed &+ 13, counting: .toClient, cutRange: 500...100_000, faults: uplinkFaults)
        let uplinkLongStalls = LinkFaults(seed: seed &+ 15, delayChance: 0, stallChance: 0.002, stallMillis: 16_000...22_000)
        let uplinkUp = try CuttingProxy(targetPort: uplinkDown.port, seed: seed &+ 17, counting: .toTarget, cutRange: 1_000...600_000, faults: uplinkLongStalls)
        try rig.depot?.relay(to: uplinkUp.url)
        try rig.connectHome(central: up.url)
        let modes = LinkModes(rig: rig, findings: findings, seconds: seconds, seed: seed, chaosURL: up.url)

        var rng = SeededRandom(seed: seed)
        var workload = Workload(seed: seed &+ 1)
        var syncsOK = 0
        var syncsFailed = 0
        var fetches = 0
        var iterations = 0
        let end = started.addingTimeInterval(Double(seconds))
        var lastProgress = started
        while Date() < end {
            iterations += 1
            let replica = rig.replicas.randomElement(using: &rng)!
            _ = try workload.step(replica, rig: rig)
            let child = try replica.startSync(scratch: rig.runs)
            if !child.wait(timeout: 300) {
                child.kill9()
                findings.add("[hang] \(replica.name)'s sync through the proxies still ran after 300 s (iteration \(iterations))")
            }
            if child.killedBySignal {
                findings.add("[crash] \(replica.name)'s fieldsync sync died of a signal: \(child.stderr.suffix(300))")
            } else if child.status == 0 {
                syncsOK += 1
            } else {
                syncsFailed += 1
            }
            // Now and then another device downloads a ticket's photos through the link.
            if Int.random(in: 0..<10, using: &rng) == 0, let ticket = rig.tickets[replica.engineer]?.randomElement(using: &rng) {
                let other = rig.replicas.filter { $0.engineer == replica.engineer }.randomElement(using: &rng)!
                let fetch = try Child("fieldsync", ["fetch", ticket, "--json"], env: ["FIELDSYNC_HOME": other.home],
                                      outPath: rig.runs + "/\(other.name).fetch.out", errPath: rig.runs + "/\(other.name).fetch.err")
                fetches += 1
                if !fetch.wait(timeout: 300) {
                    fetch.kill9()
                    findings.add("[hang] \(other.name)'s fetch of \(ticket) through the proxies still ran after 300 s")
                } else if fetch.killedBySignal {
                    findings.add("[crash] \(other.name)'s fieldsync fetch died of a signal: \(fetch.stderr.suffix(300))")
                }
            }
            if !rig.node.isRunning {
                findings.add("[crash] the node died: \(rig.node.crashLine ?? rig.node.logTail)")
                if try rig.node.restart() { throw ChaosError("the node came back on another port; the proxies cannot follow") }
            }
            for depot in rig.depots where !depot.process.isRunning {
                findings.add("[crash] the depot \(depot.name) died: \(depot.process.crashLine ?? depot.process.logTail)")
                try rig.restartDepot(depot, central: up.url)
            }
            if let mode = modes.plan.next(at: Date().timeIntervalSince(started)) {
                try modes.run(mode, workload: &workload)
            }
            if Date().timeIntervalSince(lastProgress) >= 30 {
                lastProgress = Date()
                Say.progress("link: \(Int(Date().timeIntervalSince(started))) s: \(iterations) iterations, \(syncsOK) syncs ok, \(syncsFailed) failed, cuts \(up.cuts)+\(down.cuts), stalls \(down.stalls)+\(up.stalls), \(findings.count) findings")
            }
        }
        // However short the budget, every mode runs once.
        for mode in modes.plan.leftover() {
            try modes.run(mode, workload: &workload)
            if !rig.node.isRunning {
                findings.add("[crash] the node died: \(rig.node.crashLine ?? rig.node.logTail)")
                if try rig.node.restart() { throw ChaosError("the node came back on another port; the proxies cannot follow") }
            }
        }
        let loopTime = Date().timeIntervalSince(started)
        let cuts = (up: up.cuts, down: down.cuts, delays: down.delays, stalls: down.stalls, longStalls: up.stalls, bytesUp: up.bytesToTarget, bytesDown: down.bytesToClient)
        let uplink = (up: uplinkUp.cuts, down: uplinkDown.cuts, delays: uplinkDown.delays + uplinkUp.delays, stalls: uplinkDown.stalls, longStalls: uplinkUp.stalls, bytesUp: uplinkUp.bytesToTarget, bytesDown: uplinkDown.bytesToClient)
        let relayAtEnd = try rig.depot?.status()
        up.stop()
        down.stop()
        uplinkUp.stop()
        uplinkDown.stop()

        Say.progress("link: settling on a clean link (syncing every replica until quiet, the depot relaying straight to the node)")
        try rig.depot?.relay(to: rig.node.url)
        try rig.connectHome(central: rig.node.url)
        let settled = try Settle.run(rig, findings: findings)
        let ledger = try Ledger.check(rig, findings: findings)
        let depotLedgers = try DepotLedger.checkAll(rig, findings: findings)
        let stores = try StoreCheck.run(rig, findings: findings)
        let alive = Alive.check(rig.node, findings: findings)
        let depotsAlive = rig.depots.map { ($0 === rig.depot ? "depot" : $0.name, Alive.check($0.process, findings: findings)) }

        Say.line("chaos link: \(String(format: "%.0f", loopTime)) s of faults and \(modes.plan.started) link modes (\(modes.plan.modes.prefix(modes.plan.started).map(\.rawValue).joined(separator: ", "))), seed \(seed), \(iterations) iterations, in \(Say.seconds(started)) all told")
        Say.line("  workload: \(workload.commands) commands (\(workload.refused) refused by the CLI), \(workload.photos) photos, \(workload.photoBytes / 1_000_000) MB, biggest \(workload.biggestPhoto / 1_000_000) MB; \(workload.dispatchChanges) dispatch changes; \(fetches) fetches")
        Say.line("  link: \(cuts.up) upload cuts, \(cuts.down) download cuts, \(cuts.delays) delays, \(cuts.stalls) stalls of 0.5-4 s, \(cuts.longStalls) of 16-22 s; \(cuts.bytesUp / 1_000_000) MB up, \(cuts.bytesDown / 1_000_000) MB down")
        if rig.depot != nil {
            Say.line("  depot uplink: \(uplink.up) upload cuts, \(uplink.down) download cuts, \(uplink.delays) delays, \(uplink.stalls) stalls of 0.5-4 s, \(uplink.longStalls) of 16-22 s; \(uplink.bytesUp / 1_000) KB up, \(uplink.bytesDown / 1_000) KB down; when the faults ended \(relayAtEnd.map { "\($0.opsWaiting) ops and \($0.blobsWaiting) photos waited (last error: \($0.lastError.map { String($0.prefix(120)) } ?? "none"))" } ?? "no relay status"); \(rig.depot.map { rig.replicas(at: $0).joined(separator: " and ") } ?? "") syncs at north; its relay drained after each settling round in \(rig.depot.map { settled.drains(of: $0) } ?? "") s")
        }
        if let mine2 = rig.subDepot {
            Say.line("  mine2: \(rig.replicas(at: mine2).joined(separator: " and ")) syncs at \(mine2.name), which relays to \(mine2.upstreamName) every 1 s on a clean link; \(mine2.restarts) restarts; its relay drained after each settling round in \(settled.drains(of: mine2)) s")
        }
        for line in modes.figures.lines { Say.line(line) }
        Say.line("  syncs: \(syncsOK) ok, \(syncsFailed) failed (cut or stalled); settled in \(settled.rounds) rounds\(settled.quiet ? "" : " (NOT quiet)")")
        Say.line("  \(ledger.summary)")
        for depotLedger in depotLedgers { Say.line("  \(depotLedger.summary)") }
        Say.line("  store checks: \(stores == 0 ? "none (no `check` in this build)" : "\(stores) stores (node, depots and replicas)")")
        Say.line("  node alive: \(alive ? "yes" : "no")\(depotsAlive.map { ", \($0.0) alive: \($0.1 ? "yes" : "no")" }.joined())")
        return findings.verdict("link")
    }
}
