import Foundation

/// What the node's log (kept beside its data folder, off its small disk, across restarts)
/// says it did: refusals for want of room, and any request it failed (a 500) or crash.
struct NodeLogScan {
    var uploadsRefused = 0
    var syncsRefused = 0
    var startWarnings = 0
    var failed: [String] = []

    static func read(_ path: String) -> NodeLogScan {
        var scan = NodeLogScan()
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            if line.contains("upload refused: the node's storage is full") {
                scan.uploadsRefused += 1
            } else if line.contains("sync refused: the node's storage is full") {
                scan.syncsRefused += 1
            } else if line.contains("reserve kept for the op log") {
                scan.startWarnings += 1
            } else if line.contains("request failed") || line.contains("Fatal error") || line.range(of: #"status=5(0[0-68-9]|[1-9]\d)"#, options: .regularExpression) != nil {
                scan.failed.append(String(line.prefix(400)))
            }
        }
        return scan
    }

    /// Each request the node failed is a finding: on a full disk it must answer 507.
    func report(to findings: Findings, reproduce: String) {
        for line in failed.prefix(20) { findings.add("[5xx] the node's log: \(line) — \(reproduce)") }
        if failed.count > 20 { findings.add("[5xx] … and \(failed.count - 20) more failed requests in the node's log") }
    }
}
