import FieldTestSupport
import Foundation

/// Brings the field to rest after a campaign: the node (and the depots) up, then every
/// replica synced in rounds until a whole round moves nothing and each depot's relay has
/// nothing waiting after it (drained top down, so the last to drain, mine2, pulled all
/// north holds), then each fetches its tickets' photos.
enum Settle {
    struct Result {
        var rounds = 0
        var quiet = false
        /// Seconds each depot's relay took to drain after each round, by depot name.
        var drains: [String: [Double]] = [:]

        /// "0.9, 1.2" for `depot`'s drains.
        func drains(of depot: DepotHop) -> String {
            (drains[depot.name] ?? []).map { String(format: "%.1f", $0) }.joined(separator: ", ")
        }
    }

    static func run(_ rig: FieldRig, findings: Findings) throws -> Result {
        if !rig.node.isRunning {
            findings.add("[settle] the node was not running at the end: \(rig.node.logTail)")
            try rig.restartNode()
        }
        for depot in rig.depots where !depot.process.isRunning {
            findings.add("[settle] the depot \(depot.name) was not running at the end: \(depot.process.logTail)")
            try rig.restartDepot(depot, central: rig.node.url)
        }
        var result = Result()
        var stuck: [String: String] = [:]
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
            for depot in rig.depots {
                let started = Date()
                // Once it did not drain, later rounds give it less time: a stuck relay is a
                // finding, and ten long waits would only delay it.
                stuck[depot.name] = depot.drain(limit: stuck[depot.name] == nil ? 120 : 10)
                result.drains[depot.name, default: []].append(Date().timeIntervalSince(started))
                if stuck[depot.name] != nil { moved = true }
            }
            if !moved && round > 1 {
                result.quiet = true
                break
            }
        }
        if !result.quiet { findings.add("[settle] the replicas were still moving ops or blobs after \(result.rounds) rounds of syncs\(stuck.sorted { $0.key < $1.key }.map { "; \($0.key)'s relay: " + $0.value }.joined())") }
        for replica in rig.replicas {
            for ticket in (try? replica.ticketDigests().keys.sorted()) ?? [] {
                let r = try replica.run(["fetch", ticket, "--json"])
                if r.status != 0 { findings.add("[settle] \(replica.name): fieldsync fetch \(ticket) failed on a clean link: \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))") }
            }
        }
        return result
    }
}
