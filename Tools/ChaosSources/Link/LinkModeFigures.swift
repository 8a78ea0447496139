import Foundation

/// What the link modes did, for the campaign's summary: per mode, the syncs tried and how
/// they ended, how long a sync took to give up on an idle or dead link, and what each
/// attempt moved on the 2 KB/s link.
final class LinkModeFigures {
    /// One mode's syncs through its weak link.
    struct Tally {
        var runs = 0
        var attempts = 0
        var ok = 0
        var failed = 0
        /// Ended by the harness: an engineer switching off (2 KB/s link).
        var killed = 0
    }

    private(set) var tallies: [LinkMode: Tally] = [:]
    /// Seconds from the link going silent to the sync giving up, by mode.
    private(set) var gaveUp: [LinkMode: [Double]] = [:]
    /// Idle links: syncs that finished before the link went silent.
    var idleFinishedFirst = 0
    /// Idle links by where the silence began ("from the start", "mid-sync").
    var idleKinds: [String: Int] = [:]
    /// Syncs after an idle or dead link (the link back, or another device): ok / all, and
    /// the slowest, in seconds.
    var recoveries = (ok: 0, all: 0, slowest: 0.0)
    /// Dead links: what the syncs after it did (one line per run).
    var deadRuns: [String] = []
    /// 2 KB/s link: one line per photo, and the bytes the node gained in each attempt.
    var slowRuns: [String] = []
    var slowAttemptBytes: [Int] = []
    var slowSyncsPerPhoto: [Int] = []
    /// Messages the stalled syncs printed (a few, to show their words).
    private(set) var samples: [LinkMode: String] = [:]

    func run(_ mode: LinkMode) { tallies[mode, default: Tally()].runs += 1 }

    /// One sync through the mode's weak link ended.
    func attempt(_ mode: LinkMode, _ sync: ModeSync) {
        var t = tallies[mode, default: Tally()]
        t.attempts += 1
        if sync.ok { t.ok += 1 } else if sync.killed { t.killed += 1 } else { t.failed += 1 }
        tallies[mode] = t
    }

    func gaveUp(_ mode: LinkMode, after seconds: Double, saying message: String) {
        gaveUp[mode, default: []].append(seconds)
        if samples[mode] == nil, !message.isEmpty { samples[mode] = message }
    }

    func recovered(_ sync: ModeSync) {
        recoveries.all += 1
        if sync.ok { recoveries.ok += 1 }
        recoveries.slowest = max(recoveries.slowest, sync.seconds())
    }

    /// The summary lines.
    var lines: [String] {
        var out: [String] = []
        func tally(_ mode: LinkMode) -> String {
            let t = tallies[mode, default: Tally()]
            let killed = t.killed > 0 ? ", \(t.killed) switched off mid-sync" : ""
            return "\(t.runs) run(s), \(t.attempts) sync(s) through the weak link: \(t.ok) ok, \(t.failed) failed\(killed)"
        }
        func times(_ mode: LinkMode) -> String {
            let all = gaveUp[mode, default: []]
            guard !all.isEmpty else { return "none gave up" }
            return "gave up \(all.map { String(format: "%.1f", $0) }.joined(separator: ", ")) s after the link went silent (max \(String(format: "%.1f", all.max()!)) s)"
        }
        let kinds = idleKinds.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        out.append("  idle link (silent > 20 s): \(tally(.idle)) (\(kinds)); \(times(.idle))\(idleFinishedFirst > 0 ? "; \(idleFinishedFirst) finished before the silence" : "")")
        if let s = samples[.idle] { out.append("    says: \(s)") }
        out.append("  dead link (silent mid-upload): \(tally(.dead)); \(times(.dead))")
        for line in deadRuns { out.append("    \(line)") }
        if let s = samples[.dead] { out.append("    says: \(s)") }
        out.append("  after idle/dead links: \(recoveries.ok) of \(recoveries.all) syncs ok (the link back, or another device), slowest \(String(format: "%.1f", recoveries.slowest)) s")
        out.append("  2 KB/s link: \(tally(.slow)); \(times(.slow))")
        for line in slowRuns { out.append("    \(line)") }
        if !slowAttemptBytes.isEmpty {
            out.append("    bytes per attempt: \(slowAttemptBytes.map { Self.bytes($0) }.joined(separator: ", ")); syncs per photo: \(slowSyncsPerPhoto.map(String.init).joined(separator: ", "))")
        }
        if let s = samples[.slow] { out.append("    says: \(s)") }
        return out
    }

    /// Bytes for people: "900 B", "64 KB", "1.2 MB".
    static func bytes(_ n: Int) -> String {
        n < 1_000 ? "\(n) B" : n < 1_000_000 ? "\(n / 1_000) KB" : String(format: "%.1f MB", Double(n) / 1_000_000)
    }
}
