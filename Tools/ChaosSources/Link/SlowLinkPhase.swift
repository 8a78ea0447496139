import FieldTestSupport
import Foundation

/// A 2 KB/s link: one device sends a photo (64 KB to 1 MB, by budget) that takes several
/// syncs. Each sync is given 10-25 s (seeded) and then ends as a field stop ends: the
/// device switched off (the sync killed and its link gone), coverage lost (the link closes
/// under a running sync, which must say so plainly), or, once per photo, the link stalling
/// (silent: the sync must give up within its deadline, saying the link is too slow or
/// stalled and how much of the photo was sent). Every sync must move the photo on (the node
/// holds more after it than before) until the node holds it whole; no sync may give up on
/// the link while it moves bytes.
enum SlowLinkPhase {
    static let rate = 2_048

    enum Ending: String {
        case switchedOff = "switched off"
        case coverageLost = "lost coverage"
        case stalled
        case done
    }

    static func run(_ modes: LinkModes, rng: inout SeededRandom) throws {
        let rig = modes.rig
        let findings = modes.findings
        let replica = rig.replicas.randomElement(using: &rng)!
        try rig.connect(to: rig.node.url)
        try ModeSync.clean(replica, rig: rig, findings: findings, context: "2 KB/s link, before")
        let size = max(56_000, Int(Double(modes.plan.slowPhotoBytes) * Double.random(in: 0.85...1.15, using: &rng)))
        let photo = try ModePhoto.make(rig, size: size, seed: rng.next(), name: "slow-\(rng.next() % 1_000_000)")
        try photo.attach(on: replica, rig: rig, rng: &rng, caption: "2 KB/s link", findings: findings)
        let context = "2 KB/s link (\(photo.shown) photo by \(replica.name))"

        // Each sync moves about 2 KB a second of its window, less a few seconds to start and
        // exchange ops; one of the first of them (seeded) ends by the link stalling.
        let transfer = Double(size) / Double(rate)
        let windows = 10.0...max(12.0, min(25.0, transfer / 3))
        let expected = Int((transfer / (windows.lowerBound + windows.upperBound - 6) * 2).rounded(.up))
        let stallFrom = Int.random(in: 0...max(0, expected - 2), using: &rng)
        let maxAttempts = expected * 2 + 4
        let limit = transfer * 3 + 240

        var proxy = try CuttingProxy(targetPort: rig.node.port, bytesPerSecond: rate)
        var silent: [CuttingProxy] = []
        defer {
            proxy.stop()
            for p in silent { p.stop() }
        }
        try rig.connect(to: proxy.url)
        let started = Date()
        var held = NodeHeld.bytes(rig.node, photo.sha)
        var endings: [Ending] = []
        var heldAfter: [Int] = []
        var stalledOnce = false
        var stallNotes: [String] = []
        while held < size && endings.count < maxAttempts && Date().timeIntervalSince(started) < limit {
            let attempt = endings.count + 1
            let window = Double.random(in: windows, using: &rng)
            let planned: Ending = !stalledOnce && endings.count >= stallFrom ? .stalled : Bool.random(using: &rng) ? .switchedOff : .coverageLost
            let sync = try ModeSync(replica, rig: rig, tag: "slow\(attempt)")
            var ending = Ending.done
            var freshLink = false
            if sync.child.wait(timeout: window) {
                sync.finish(limit: 0)
            } else {
                ending = planned
                switch planned {
                case .switchedOff:
                    // The phone is off: neither the sync nor its link goes on.
                    sync.kill()
                    proxy.stop()
                    freshLink = true
                case .coverageLost:
                    proxy.stop()
                    freshLink = true
                    sync.finish(limit: 60)
                    let jargon = PlainWords.jargon(in: sync.stderr)
                    if !jargon.isEmpty {
                        findings.add("[message] \(context): attempt \(attempt), coverage lost: the sync named library types (\(jargon.joined(separator: ", "))): \(sync.message)")
                    }
                case .stalled:
                    proxy.blackHole()
                    let silence = Date()
                    stalledOnce = true
                    sync.finish(limit: 150)
                    if sync.failed {
                        let gaveUp = sync.seconds(since: silence)
                        modes.figures.gaveUp(.slow, after: gaveUp, saying: sync.message)
                        IdleLinkPhase.check(sync, gaveUp: gaveUp, context: "\(context), attempt \(attempt) stalled", findings: findings)
                        // What it says was sent (what the node confirmed) beside what the node
                        // holds: the bytes of a chunk it has not confirmed are kept too.
                        let says = PlainWords.sentBytes(sync.stderr).map { "says \(LinkModeFigures.bytes($0)) sent" } ?? "does not say how much was sent"
                        stallNotes.append("attempt \(attempt) gave up \(String(format: "%.1f", gaveUp)) s after the link went silent, \(says), the node held \(LinkModeFigures.bytes(NodeHeld.bytes(rig.node, photo.sha)))")
                    }
                    // The silent link stays open at the node; the next sync comes on a new one.
                    silent.append(proxy)
                    freshLink = true
                case .done:
                    break
                }
            }
            modes.figures.attempt(.slow, sync)
            sync.reportAccidents(findings, context: "\(context), attempt \(attempt)", limit: 150)
            if ending == .done && sync.failed {
                findings.add("[stuck] \(context): attempt \(attempt) gave up on its own after \(String(format: "%.1f", sync.seconds())) s on a link that was moving bytes: \(sync.message)")
                let jargon = PlainWords.jargon(in: sync.stderr)
                if !jargon.isEmpty {
                    findings.add("[message] \(context): attempt \(attempt) named library types (\(jargon.joined(separator: ", "))): \(sync.message)")
                }
            }
            let now = NodeHeld.settled(rig.node, photo.sha)
            if now <= held && now < size {
                findings.add("[stuck] \(context): attempt \(attempt) (\(String(format: "%.0f", window)) s, \(ending.rawValue)) moved the photo no further: the node held \(held) bytes before and after")
            }
            modes.figures.slowAttemptBytes.append(now - held)
            endings.append(ending)
            heldAfter.append(now)
            held = now
            if freshLink {
                proxy = try CuttingProxy(targetPort: rig.node.port, bytesPerSecond: rate)
                try rig.connect(to: proxy.url)
            }
        }
        // A photo whose last byte arrived as the sync was cut is whole on the node, but the
        // device has not heard so: one more sync (on the slow link) tells it.
        if held == size && endings.last != .done {
            let last = try ModeSync.run(replica, rig: rig, tag: "slow-last", limit: 300, findings: findings, context: "\(context), after the last byte")
            modes.figures.attempt(.slow, last)
            if last.failed { findings.add("[recover] \(context): the sync after the photo's last byte arrived failed: \(last.message)") }
            endings.append(.done)
        }
        let seconds = Date().timeIntervalSince(started)
        if !NodeHeld.isComplete(rig.node, photo.sha) {
            findings.add("[stuck] \(context): the photo is not whole on the node after \(endings.count) syncs in \(Int(seconds)) s (\(held) of \(size) bytes)")
        } else if endings.count < 2 {
            Say.progress("link: note: the 2 KB/s photo went in one sync (windows too long for its size)")
        }
        modes.figures.slowSyncsPerPhoto.append(endings.count)
        modes.figures.slowRuns.append(
            "\(photo.shown) photo by \(replica.name): \(NodeHeld.isComplete(rig.node, photo.sha) ? "whole" : "NOT whole") after \(endings.count) syncs in \(Int(seconds)) s (\(endings.map(\.rawValue).joined(separator: ", "))); node held \(heldAfter.map { LinkModeFigures.bytes($0) }.joined(separator: ", "))" + stallNotes.map { "; " + $0 }.joined())
    }
}
