import FieldTestSupport
import Foundation

/// Runs the link modes (`LinkMode`) between the campaign's rounds of cuts and stalls: each
/// on its own proxy straight to the node, with the replicas pointed back at the cutting
/// proxies afterwards. Seeded: a mode's choices (device, sizes, rates, moments) follow from
/// the campaign's seed and the mode's place in the plan.
final class LinkModes {
    let rig: FieldRig
    let findings: Findings
    let figures = LinkModeFigures()
    var plan: LinkModePlan
    /// Where the replicas sync between modes (the cutting proxies).
    let chaosURL: String
    private let seed: UInt64
    private var runs = 0

    /// The client gives a request up after 20 s without a byte (`StallRule.idle`).
    static let idleDeadline = 20.0
    /// A sync on a silent link that has not given up after this long hangs past its
    /// deadline: `StallRule` allows 20 s plus the time up to 64 KB unconfirmed bytes take at
    /// the rate it assumes before measuring one (2 KB/s), about 53 s, and a little more.
    static let giveUpLimit = 60.0
    /// How long a node's upload lease holds a photo with no byte arriving: against the same
    /// principal's new upload, and anyone's (`UploadLease.Policy`).
    static let leaseSamePrincipal = 10.0
    static let leaseAnyone = 30.0

    init(rig: FieldRig, findings: Findings, seconds: Int, seed: UInt64, chaosURL: String) {
        self.rig = rig
        self.findings = findings
        self.chaosURL = chaosURL
        self.seed = seed
        plan = LinkModePlan(seconds: seconds, seed: seed)
    }

    /// Runs `mode`; the replicas sync through the cutting proxies (the depot's at the depot)
    /// again afterwards.
    func run(_ mode: LinkMode, workload: inout Workload) throws {
        runs += 1
        var rng = SeededRandom(seed: seed &+ 1_000 &* UInt64(runs))
        let started = Date()
        Say.progress("link: \(mode.rawValue) link (mode \(runs) of \(plan.modes.count))")
        figures.run(mode)
        switch mode {
        case .idle: try IdleLinkPhase.run(self, rng: &rng, workload: &workload)
        case .dead: try DeadLinkPhase.run(self, rng: &rng)
        case .slow: try SlowLinkPhase.run(self, rng: &rng)
        }
        try rig.connectHome(central: chaosURL)
        Say.progress("link: \(mode.rawValue) link done in \(Say.seconds(started)), \(findings.count) findings so far")
    }
}
