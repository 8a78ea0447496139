import FieldTestSupport
import Foundation

/// An idle link: a sync's connection is accepted and then not a byte moves either way, for
/// longer than the client's idle deadline. Seeded: mid-sync (through a 1-2 KB/s link, which
/// forwards 256-byte pieces: once the first piece of the sync's request, or of the node's
/// answer, went through), or a third of the time from the start; a sync that finished
/// before its link went silent is followed by one silent from the start. The sync must
/// give up within its deadline, saying in plain words that the link stalled; the next
/// sync, on the link back, must succeed.
enum IdleLinkPhase {
    static func run(_ modes: LinkModes, rng: inout SeededRandom, workload: inout Workload) throws {
        let replica = modes.rig.replicas.randomElement(using: &rng)!
        _ = try workload.step(replica, rig: modes.rig)
        let midSync = Int.random(in: 0..<3, using: &rng) != 0
        let rate = Int.random(in: 1_000...2_000, using: &rng)
        let inAnswer = Bool.random(using: &rng)
        if try !silence(replica, modes, rate: midSync ? rate : nil, inAnswer: inAnswer) {
            modes.figures.idleFinishedFirst += 1
            _ = try silence(replica, modes, rate: nil, inAnswer: false)
        }
    }

    /// One sync whose link goes silent (`rate` nil: from the start; otherwise once the first
    /// piece of its request, or with `inAnswer` of the node's answer, went through), then one
    /// on the link back. Says whether the link went silent before the sync ended.
    static func silence(_ replica: Replica, _ modes: LinkModes, rate: Int?, inAnswer: Bool) throws -> Bool {
        let rig = modes.rig
        let findings = modes.findings
        let proxy = try CuttingProxy(targetPort: rig.node.port, bytesPerSecond: rate)
        defer { proxy.stop() }
        try rig.connect(to: proxy.url)
        let kind = rate == nil ? "from the start" : inAnswer ? "mid-answer" : "mid-request"
        let context = "idle link (silent \(kind)\(rate.map { " at \($0) B/s" } ?? ""))"

        modes.figures.idleKinds[kind, default: 0] += 1
        if rate == nil { proxy.blackHole() }
        let sync = try ModeSync(replica, rig: rig, tag: "idle")
        var silentAt: Date? = rate == nil ? sync.started : nil
        if rate != nil {
            while sync.poll() && (inAnswer ? proxy.bytesToClient : proxy.bytesToTarget) == 0 { usleep(1_000) }
            if sync.poll() {
                proxy.blackHole()
                silentAt = Date()
            }
        }
        sync.finish(limit: 150)
        modes.figures.attempt(.idle, sync)
        sync.reportAccidents(findings, context: context, limit: 150)
        let wentSilent = silentAt != nil && !sync.ok
        if let silentAt, sync.failed {
            let gaveUp = sync.seconds(since: silentAt)
            modes.figures.gaveUp(.idle, after: gaveUp, saying: sync.message)
            check(sync, gaveUp: gaveUp, context: context, findings: findings)
        } else if silentAt == nil && sync.failed {
            findings.add("[sync] \(context): \(replica.name)'s sync failed before the link went silent, on a link moving bytes: \(sync.message)")
        }

        // The link comes back, as fast as it goes: the next sync must succeed.
        proxy.throttle(bytesPerSecond: nil)
        proxy.restore()
        let next = try ModeSync.run(replica, rig: rig, tag: "idle-next", limit: 300, findings: findings, context: "\(context), the link back")
        modes.figures.recovered(next)
        if next.failed {
            findings.add("[recover] \(context): \(replica.name)'s next sync, on the link back, failed: \(next.message)")
        }
        return wentSilent
    }

    /// A sync that gave up on a silent link: in time, in plain words, saying it stalled.
    static func check(_ sync: ModeSync, gaveUp: Double, context: String, findings: Findings) {
        let name = sync.replica.name
        if gaveUp > LinkModes.giveUpLimit {
            findings.add("[hang] \(context): \(name)'s sync gave up \(String(format: "%.1f", gaveUp)) s after the link went silent (idle deadline \(Int(LinkModes.idleDeadline)) s, at most \(Int(LinkModes.giveUpLimit)) s expected)")
        }
        let jargon = PlainWords.jargon(in: sync.stderr)
        if !jargon.isEmpty {
            findings.add("[message] \(context): \(name)'s sync named library types (\(jargon.joined(separator: ", "))): \(sync.message)")
        }
        if !PlainWords.saysStalled(sync.stderr) {
            findings.add("[message] \(context): \(name)'s sync on a connected but silent link did not say the link stalled: \(sync.message)")
        }
    }
}
