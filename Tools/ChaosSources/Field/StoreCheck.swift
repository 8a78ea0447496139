import FieldTestSupport
import Foundation

/// After the kills: the node's, each depot's and every replica's own integrity check (SQLite, op
/// checksums, tickets against their ops), where the build has `check`.
enum StoreCheck {
    /// How many stores were checked (0 if this build has no `check`).
    static func run(_ rig: FieldRig, findings: Findings) throws -> Int {
        guard try Bin.run("fieldsync-node", ["check", "--help"]).status == 0 else { return 0 }
        var checked = 0
        let node = try rig.node.admin(["check"])
        checked += 1
        if node.status != 0 || node.killedBySignal {
            findings.add("[damage] fieldsync-node check: exit \(node.status): \(brief(node.stdout + node.stderr))")
        }
        for depot in rig.depots {
            let r = try depot.process.admin(["check"])
            checked += 1
            if r.status != 0 || r.killedBySignal {
                findings.add("[damage] the depot \(depot.name): fieldsync-node check: exit \(r.status): \(brief(r.stdout + r.stderr))")
            }
        }
        for replica in rig.replicas {
            let r = try replica.run(["check"])
            checked += 1
            if r.status != 0 || r.killedBySignal {
                findings.add("[damage] \(replica.name): fieldsync check: exit \(r.status): \(brief(r.stdout + r.stderr))")
            }
        }
        return checked
    }

    private static func brief(_ text: String) -> String {
        text.split(separator: "\n").prefix(4).joined(separator: " | ")
    }
}
