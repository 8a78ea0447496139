import FieldTestSupport
import Foundation

/// Brings the field to rest after a campaign: the node (and the depot) up, then every
/// replica synced in rounds until a whole round moves nothing and the depot's relay has
/// nothing waiting after it, then each fetches its tickets' photos.
enum Settle {
    struct Result {
        var rounds = 0
        var quiet = false
        /// Seconds the depot's relay took to drain after each round (with a depot).
        var drains: [Double] = []
    }

    static func run(_ rig: FieldRig, findings: Findings) throws -> Result {
        if !rig.node.isRunning {
            findings.add("[settle] the node was not running at the end: \(rig.node.logTail)")
            try rig.restartNode()
        }
        if let depot = rig.depot, !depot.process.isRunning {
            findings.add("[settle] the depot was not running at the end: \(depot.process.logTail)")
            try rig.restartDepot(central: rig.node.url)
        }
        var result = Result()
        var stuck: String?
        for round in 1...10 {
            result.rounds = round
            var moved = false
            for replica in rig.replicas {
                let child = try replica.startSync(scratch: rig.runs)
                guard child.wait(timeout: 600) else {
                    child.kill9()
                    findings.add("[settle] \(replica.name): fieldsync sync still running after 600 s on a clean link")
                    moved = true
                    continue
                }
                guard child.status == 0 else {
                    findings.add("[settle] \(replica.name): fieldsync sync failed on a clean link (round \(round)): \(child.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
                    moved = true
                    continue
                }
                let answer = (try? JSONSerialization.jsonObject(with: Data(child.stdout.utf8))) as? [String: Any] ?? [:]
                let counts = ["pushed", "pulled", "blobsUploaded"].map { answer[$0] as? Int ?? 1 }
                if counts.contains(where: { $0 != 0 }) { moved = true }
            }
            if let depot = rig.depot {
                let started = Date()
                // Once it did not drain, later rounds give it less time: a stuck relay is a
                // finding, and ten long waits would only delay it.
                stuck = depot.drain(limit: stuck == nil ? 120 : 10)
                result.drains.append(Date().timeIntervalSince(started))
                if stuck != nil { moved = true }
            }
            if !moved && round > 1 {
                result.quiet = true
                break
            }
        }
        if !result.quiet { findings.add("[settle] the replicas were still moving ops or blobs after \(result.rounds) rounds of syncs\(stuck.map { "; the depot's relay: " + $0 } ?? "")") }
        for replica in rig.replicas {
            for ticket in (try? replica.ticketDigests().keys.sorted()) ?? [] {
                let r = try replica.run(["fetch", ticket, "--json"])
                if r.status != 0 { findings.add("[settle] \(replica.name): fieldsync fetch \(ticket) failed on a clean link: \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))") }
            }
        }
        return result
    }
}
