import FieldTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `Tools/chaos crash`: a seeded workload on three real replicas, two of them syncing at
/// depots of a relay tree (M8, ``RelayTreeRig``: central ← north ← mine2; one tablet at north,
/// one at mine2), while the harness kill -9s the node, north, mine2, the syncing client, or
/// client and node, at random points of a sync (inside its HTTP exchanges and its blob
/// uploads, and the depots' relays running beside them); then everything is settled (the
/// relays drained) and checked, at both depots too.
enum CrashCampaign {
    enum Fault: String, CaseIterable { case none, client, node, depot, mine2, both }

    struct Tally {
        var kills: [Fault: Int] = [:]
        /// The sync ended before the chosen moment: nothing was killed.
        var missed = 0
        var syncsOK = 0
        var syncsFailed = 0
        var killsWithPhotosPending = 0
        var nodeRestarts = 0
        /// Depot kills (north's, mine2's) while the syncing replica was one of that depot's
        /// (inside its sync there), the others hit only its relays.
        var depotKillsInSync: [String: Int] = [:]
    }

    static func run(iterations: Int, seed: UInt64) throws -> Bool {
        let started = Date()
        Say.progress("crash: \(iterations) iterations, seed \(seed)")
        let rig = try FieldRig("crash", depot: true)
        defer { rig.tearDown() }
        let findings = Findings()
        var rng = SeededRandom(seed: seed)
        var workload = Workload(seed: seed &+ 1)
        var tally = Tally()
        /// Typical sync time (s), and the photo bytes each replica has not synced yet.
        var typical = 0.3
        var pending: [String: Int] = [:]
        let uploadRate = 60_000_000.0

        for iteration in 1...iterations {
            let replica = rig.replicas.randomElement(using: &rng)!
            pending[replica.name, default: 0] += try workload.step(replica, rig: rig)
            let roll = Int.random(in: 0..<100, using: &rng)
            let fault: Fault = roll < 25 ? .none : roll < 48 ? .client : roll < 64 ? .node : roll < 77 ? .depot : roll < 88 ? .mine2 : .both
            let target: DepotHop? = fault == .depot ? rig.depot : fault == .mine2 ? rig.subDepot : nil
            let window = 1.3 * (typical + Double(pending[replica.name] ?? 0) / uploadRate)
            let delay = Double.random(in: 0...window, using: &rng)
            // Drawn whatever happens, so the seed's stream does not depend on timing.
            let nodeFirst = Bool.random(using: &rng)
            let child = try replica.startSync(scratch: rig.runs)
            var applied = false
            if fault != .none {
                let deadline = child.started.addingTimeInterval(delay)
                while child.isRunning && Date() < deadline { usleep(1_000) }
                if child.isRunning {
                    applied = true
                    tally.kills[fault, default: 0] += 1
                    if (pending[replica.name] ?? 0) > 0 { tally.killsWithPhotosPending += 1 }
                    if fault == .node || (fault == .both && nodeFirst) { rig.node.kill9() }
                    if let target {
                        target.kill9()
                        if rig.replicas(at: target).contains(replica.name) { tally.depotKillsInSync[target.name, default: 0] += 1 }
                    }
                    if fault == .client || fault == .both { child.kill9() }
                    if fault == .both && !nodeFirst { rig.node.kill9() }
                } else {
                    tally.missed += 1
                }
            }
            if !child.wait(timeout: 300) {
                child.kill9()
                findings.add("[hang] iteration \(iteration): \(replica.name)'s sync still ran 300 s after starting (fault \(fault.rawValue))")
            }
            if fault == .node || fault == .both, applied || !rig.node.isRunning {
                try rig.restartNode()
                tally.nodeRestarts += 1
            }
            if !rig.node.isRunning {
                findings.add("[crash] iteration \(iteration): the node died by itself: \(rig.node.crashLine ?? rig.node.logTail)")
                try rig.restartNode()
            }
            for depot in rig.depots {
                if depot === target, applied {
                    try rig.restartDepot(depot, central: rig.node.url)
                } else if !depot.process.isRunning {
                    findings.add("[crash] iteration \(iteration): the depot \(depot.name) died by itself: \(depot.process.crashLine ?? depot.process.logTail)")
                    try rig.restartDepot(depot, central: rig.node.url)
                }
            }
            let killedByUs = applied && (fault == .client || fault == .both)
            if child.killedBySignal && !killedByUs {
                findings.add("[crash] iteration \(iteration): \(replica.name)'s fieldsync sync died of a signal: \(child.stderr.suffix(300))")
            } else if child.status == 0 && !child.killedBySignal {
                tally.syncsOK += 1
                pending[replica.name] = 0
                if !applied { typical = 0.8 * typical + 0.2 * Date().timeIntervalSince(child.started) }
            } else if !killedByUs {
                tally.syncsFailed += 1
                // With the node killed the sync may fail (no signal); with nothing killed it must not.
                if !applied {
                    findings.add("[sync] iteration \(iteration): \(replica.name)'s sync failed with nothing killed: \(child.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
                }
            }
            if iteration % 50 == 0 || iteration == iterations {
                let kills = tally.kills.values.reduce(0, +)
                Say.progress("crash: \(iteration)/\(iterations) in \(Say.seconds(started)): \(kills) kills, \(tally.syncsOK) syncs ok, \(workload.photos) photos, \(findings.count) findings")
            }
        }
        let loopTime = Date().timeIntervalSince(started)

        Say.progress("crash: settling (syncing every replica until quiet)")
        let settled = try Settle.run(rig, findings: findings)
        let ledger = try Ledger.check(rig, findings: findings)
        let depotLedgers = try DepotLedger.checkAll(rig, findings: findings)
        let stores = try StoreCheck.run(rig, findings: findings)
        let alive = Alive.check(rig.node, findings: findings)
        let depotsAlive = rig.depots.map { ($0 === rig.depot ? "depot" : $0.name, Alive.check($0.process, findings: findings)) }

        let kills = tally.kills.values.reduce(0, +)
        Say.line("chaos crash: \(iterations) iterations, seed \(seed), in \(Say.seconds(started)) (\(String(format: "%.0f", loopTime * 1000 / Double(iterations))) ms per iteration)")
        Say.line("  workload: \(workload.commands) commands (\(workload.refused) refused by the CLI), \(workload.photos) photos, \(workload.photoBytes / 1_000_000) MB, biggest \(workload.biggestPhoto / 1_000_000) MB; \(workload.dispatchChanges) dispatch changes")
        Say.line("  kills: \(kills) (client \(tally.kills[.client] ?? 0), node \(tally.kills[.node] ?? 0), depot \(tally.kills[.depot] ?? 0), mine2 \(tally.kills[.mine2] ?? 0), client and node \(tally.kills[.both] ?? 0)); \(tally.killsWithPhotosPending) with photos pending; \(tally.missed) syncs ended before their kill; node restarts \(tally.nodeRestarts)")
        for (label, fault, depot) in [("depot", Fault.depot, rig.depot), ("mine2", .mine2, rig.subDepot)] {
            guard let depot else { continue }
            Say.line("  \(label): \(rig.replicas(at: depot).joined(separator: " and ")) sync\(rig.replicas(at: depot).count == 1 ? "s" : "") at \(depot.name), which relays to \(depot.upstreamName) every 1 s; \(tally.kills[fault] ?? 0) kills (\(tally.depotKillsInSync[depot.name] ?? 0) inside a sync there, the rest in its relay), \(depot.restarts) restarts; its relay drained after each settling round in \(settled.drains(of: depot)) s")
        }
        Say.line("  syncs: \(tally.syncsOK) ok, \(tally.syncsFailed) failed (node killed under them); settled in \(settled.rounds) rounds\(settled.quiet ? "" : " (NOT quiet)")")
        Say.line("  \(ledger.summary)")
        for depotLedger in depotLedgers { Say.line("  \(depotLedger.summary)") }
        Say.line("  store checks: \(stores == 0 ? "none (no `check` in this build)" : "\(stores) stores (node, depots and replicas)")")
        Say.line("  node alive: \(alive ? "yes" : "no")\(depotsAlive.map { ", \($0.0) alive: \($0.1 ? "yes" : "no")" }.joined())")
        return findings.verdict("crash")
    }
}
