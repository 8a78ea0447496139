import FieldTestSupport
import Foundation

/// A dead link: a device uploads a photo through an 8-32 KB/s link that goes silent
/// mid-upload (no FIN or RST reaches the node, which keeps the upload's connection open
/// until the phase ends). The sync must give up within about the idle deadline, in plain
/// words, saying how much was sent. Then the link comes back (a new connection), and in a
/// seeded order the same device, another device of the same engineer and a device of
/// another engineer, which attached the same photo, sync: each must complete, and none may
/// be refused with "another upload … in progress" once the node's lease time passed (10 s
/// for the same engineer, 30 s for anyone).
enum DeadLinkPhase {
    static func run(_ modes: LinkModes, rng: inout SeededRandom) throws {
        let rig = modes.rig
        let findings = modes.findings
        let byEngineer = Dictionary(grouping: rig.replicas, by: \.engineer)
        guard let engineer = byEngineer.filter({ $0.value.count >= 2 }).keys.sorted().randomElement(using: &rng) else {
            throw ChaosError("the dead link mode needs an engineer with two devices")
        }
        let devices = byEngineer[engineer]!.shuffled(using: &rng)
        let (device, sibling) = (devices[0], devices[1])
        let stranger = rig.replicas.filter { $0.engineer != engineer }.randomElement(using: &rng)
        let everyone = [device, sibling] + (stranger.map { [$0] } ?? [])

        // Nothing else pending on any of them: what moves is this photo.
        try rig.connect(to: rig.node.url)
        for replica in everyone { try ModeSync.clean(replica, rig: rig, findings: findings, context: "dead link, before") }
        let photo = try ModePhoto.make(rig, size: Int.random(in: modes.plan.deadPhotoBytes, using: &rng), seed: rng.next(), name: "dead-\(rng.next() % 1_000_000)")
        for replica in everyone {
            try photo.attach(on: replica, rig: rig, rng: &rng, caption: "dead link", findings: findings)
        }

        let rate = Int.random(in: 8_000...32_000, using: &rng)
        // Silent during the first, measuring chunk (64 KB: given up after up to ~53 s, the
        // rate not measured yet), or after it (~25 s); short budgets only after it.
        let firstChunk = modes.plan.deadInFirstChunk && Bool.random(using: &rng)
        let silentAt = firstChunk ? Int.random(in: 8_000...56_000, using: &rng) : Int.random(in: 72_000...(photo.size / 2), using: &rng)
        // Now and then the engineer's other device syncs while the link is still dead, once
        // the lease time passed: it must take the upload over.
        let early = Bool.random(using: &rng) ? Double.random(in: (LinkModes.leaseSamePrincipal + 1)...(LinkModes.leaseSamePrincipal + 4), using: &rng) : nil
        let proxy = try CuttingProxy(targetPort: rig.node.port, bytesPerSecond: rate)
        defer { proxy.stop() }
        try rig.connect(to: proxy.url)
        let context = "dead link (\(photo.shown) photo at \(rate / 1_000) KB/s, silent at \(LinkModeFigures.bytes(silentAt)))"
        var line = "\(photo.shown) photo by \(device.name) at \(rate / 1_000) KB/s"

        let sync = try ModeSync(device, rig: rig, tag: "dead")
        let reached = NodeHeld.wait(rig.node, photo.sha, atLeast: silentAt, while: sync.child, limit: Double(silentAt) / Double(rate) + 60)
        var silence: Date?
        if reached && sync.isRunning {
            proxy.blackHole()
            silence = Date()
            line += ", silent with \(LinkModeFigures.bytes(NodeHeld.bytes(rig.node, photo.sha))) on the node"
        } else if sync.isRunning {
            findings.add("[stuck] \(context): the node held only \(NodeHeld.bytes(rig.node, photo.sha)) bytes of the photo after \(Int(sync.seconds())) s")
            sync.kill()
        }
        var meanwhileLine = ""
        if let silence, let early {
            // The dead link's sync goes on; the sibling syncs on a good link meanwhile.
            while sync.poll() && Date().timeIntervalSince(silence) < early { usleep(10_000) }
            try rig.connect(to: rig.node.url)
            let meanwhile = try ModeSync(sibling, rig: rig, tag: "dead-meanwhile")
            ModeSync.finishAll([sync, meanwhile], limit: 150)
            meanwhile.reportAccidents(findings, context: "\(context), \(sibling.name) meanwhile", limit: 150)
            modes.figures.recovered(meanwhile)
            let at = meanwhile.seconds(since: silence)
            if meanwhile.failed && PlainWords.saysLocked(meanwhile.stderr) {
                findings.add("[lock] \(context): \(sibling.name) (same engineer, while the link was dead) was refused \(String(format: "%.0f", at)) s after the link died, past the node's \(Int(LinkModes.leaseSamePrincipal)) s lease: \(meanwhile.message)")
            } else if meanwhile.failed {
                findings.add("[recover] \(context): \(sibling.name)'s sync on a good link while the link was dead failed: \(meanwhile.message)")
            }
            let took = (meanwhile.report["blobsUploaded"] as? Int ?? 0) > 0 ? ", took the upload over" : ""
            meanwhileLine = "; meanwhile \(sibling.name) (same engineer, from \(String(format: "%.0f", meanwhile.started.timeIntervalSince(silence))) s) \(meanwhile.ok ? "ok" : "FAILED") in \(String(format: "%.1f", meanwhile.seconds())) s\(took)"
        }
        sync.finish(limit: 150)
        modes.figures.attempt(.dead, sync)
        sync.reportAccidents(findings, context: context, limit: 150)
        if let silence {
            if sync.failed {
                let gaveUp = sync.seconds(since: silence)
                modes.figures.gaveUp(.dead, after: gaveUp, saying: sync.message)
                IdleLinkPhase.check(sync, gaveUp: gaveUp, context: context, findings: findings)
                if PlainWords.sentBytes(sync.stderr) == nil {
                    findings.add("[message] \(context): \(device.name)'s sync did not say how much of the photo was sent: \(sync.message)")
                }
                let says = PlainWords.sentBytes(sync.stderr).map { "saying \(LinkModeFigures.bytes($0)) sent" } ?? "not saying how much was sent"
                line += ": gave up after \(String(format: "%.1f", gaveUp)) s, \(says), the node holding \(LinkModeFigures.bytes(NodeHeld.bytes(rig.node, photo.sha)))"
            } else if sync.ok && !NodeHeld.isComplete(rig.node, photo.sha) {
                findings.add("[sync] \(context): \(device.name)'s sync reported success though the link died with the photo not whole on the node")
            }
        } else if sync.failed {
            findings.add("[sync] \(context): \(device.name)'s sync failed before the link went silent, on a link moving bytes: \(sync.message)")
        }

        // The link comes back as a new connection; the dead one stays open at the node.
        try rig.connect(to: rig.node.url)
        let dead = silence ?? Date()
        var after: [String] = []
        for replica in everyone.shuffled(using: &rng) {
            let role = replica === device ? "same device" : replica.engineer == engineer ? "same engineer" : "another engineer"
            let lease = replica.engineer == engineer ? LinkModes.leaseSamePrincipal : LinkModes.leaseAnyone
            let started = Date().timeIntervalSince(dead)
            var next = try ModeSync.run(replica, rig: rig, tag: "dead-next", limit: 300, findings: findings, context: "\(context), the link back")
            var refusedInLease = false
            if next.failed && PlainWords.saysLocked(next.stderr) {
                let at = next.seconds(since: dead)
                if at >= lease + 2 {
                    findings.add("[lock] \(context): \(replica.name) (\(role)) was refused \(String(format: "%.0f", at)) s after the link died, past the node's \(Int(lease)) s lease: \(next.message)")
                } else {
                    // Refused inside the lease time (the client waits past it only once): allowed;
                    // once the lease time passed, the photo must be free.
                    refusedInLease = true
                    let wait = lease + 2 - Date().timeIntervalSince(dead)
                    if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
                    next = try ModeSync.run(replica, rig: rig, tag: "dead-next", limit: 300, findings: findings, context: "\(context), the link back")
                    if next.failed && PlainWords.saysLocked(next.stderr) {
                        findings.add("[lock] \(context): \(replica.name) (\(role)) was refused again \(String(format: "%.0f", next.seconds(since: dead))) s after the link died, past the node's \(Int(lease)) s lease: \(next.message)")
                    }
                }
            }
            modes.figures.recovered(next)
            if next.failed && !PlainWords.saysLocked(next.stderr) {
                findings.add("[recover] \(context): \(replica.name)'s (\(role)) sync on the link back failed: \(next.message)")
            }
            let uploaded = (next.report["blobsUploaded"] as? Int ?? 0) > 0 ? ", took the upload over" : ""
            after.append("\(replica.name) (\(role), from \(String(format: "%.0f", started)) s) \(next.ok ? "ok" : "FAILED") in \(String(format: "%.1f", next.seconds())) s\(refusedInLease ? " after a refusal inside the lease" : "")\(uploaded)")
        }
        let held = NodeHeld.bytes(rig.node, photo.sha)
        if !NodeHeld.isComplete(rig.node, photo.sha) || held != photo.size {
            findings.add("[lock] \(context): the photo is not whole on the node after every device synced on a good link (\(held) of \(photo.size) bytes)")
        }
        modes.figures.deadRuns.append(line + meanwhileLine + "; then " + after.joined(separator: ", "))
    }
}
