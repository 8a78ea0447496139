import FieldTestSupport
import Foundation

/// After a campaign: is the node still serving, do its admin commands still work, and
/// does a real replica still sync with it?
enum Alive {
    static func check(_ node: ChaosNode, findings: Findings) -> Bool {
        var alive = node.isRunning
        if !alive { findings.add("[alive] the node is not running: \(node.logTail)") }
        let health = RawHTTP.exchange(port: node.port, RawRequest(method: "GET", target: "/healthz"), timeout: 10)
        if health.status != 200 {
            alive = false
            findings.add("[alive] GET /healthz: \(health.summary)")
        }
        for args in [["tickets", "--json"], ["devices"], ["quarantine", "--json"], ["token", "list"]] {
            guard let r = try? node.admin(args) else { continue }
            if r.status != 0 || r.killedBySignal {
                findings.add("[alive] fieldsync-node \(args.joined(separator: " ")) --data DIR: exit \(r.status)\(r.killedBySignal ? " (signal)" : ""): \(ChaosNode.crashSummary(r.stderr) ?? r.stderr.split(separator: "\n").suffix(2).joined(separator: " | "))")
            }
        }
        return alive
    }

    /// A note and a sync by a real replica; the node must then hold the ticket as it does.
    static func realSync(_ node: ChaosNode, _ replica: Replica, ticket: String, findings: Findings) -> Bool {
        do {
            guard try replica.record(["note", ticket, "after the campaign"]) != nil else {
                findings.add("[sync] \(replica.name): the note after the campaign was refused")
                return false
            }
            let r = try replica.run(["sync", "--json"])
            guard r.status == 0 else {
                findings.add("[sync] \(replica.name): fieldsync sync after the campaign failed: \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
                return false
            }
            let central = try JSONSerialization.jsonObject(with: Data(try node.adminOK("tickets", "--json").utf8)) as? [[String: Any]] ?? []
            let nodeDigest = central.first { $0["id"] as? String == ticket }?["digest"] as? String
            let mine = try replica.ticketDigests()[ticket]
            guard nodeDigest != nil, nodeDigest == mine else {
                findings.add("[sync] \(ticket): the node's digest \(nodeDigest ?? "none") differs from \(replica.name)'s \(mine ?? "none") after a sync")
                return false
            }
            return true
        } catch {
            findings.add("[sync] \(error)")
            return false
        }
    }
}
