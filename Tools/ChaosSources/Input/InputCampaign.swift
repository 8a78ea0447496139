import FieldTestSupport
import Foundation

/// `Tools/chaos input`: the hostile-request matrix against a real node, the node's state
/// digest before and after, and a real sync at the end.
enum InputCampaign {
    static func run() throws -> Bool {
        let started = Date()
        let scratch = try Scratch("input")
        defer { scratch.remove() }
        let flag = ChaosNode.serveSupports("--header-timeout")
        let headerTimeout = flag ? 2.0 : 30.0
        let node = try ChaosNode(data: scratch.sub("node"), extraArgs: flag ? ["--header-timeout", "2"] : [])
        defer { node.stop() }
        Say.progress("input: node on \(node.url); setting up two engineers, a photo and a declared blob")
        let (context, e1, setupFindings) = try InputSetup.make(node: node, scratch: scratch)
        let before = try NodeDigest.take(node)
        let findings = Findings()
        for f in setupFindings { findings.add(f) }

        // Slow clients hold their connections while the matrix runs.
        let slowLimit = headerTimeout + max(3, headerTimeout / 2)
        let slowDone = DispatchSemaphore(value: 0)
        let slowBox = OutcomeBox()
        SlowClients.start(port: node.port, limit: slowLimit + 5) { outcomes in
            for o in outcomes { slowBox.add(o) }
            slowDone.signal()
        }

        let cases = InputMatrix.cases(context)
        Say.progress("input: \(cases.count) requests, slow clients for up to \(Int(slowLimit + 5)) s (header timeout \(Int(headerTimeout)) s\(flag ? ", --header-timeout" : ", the default"))")
        // A quick digest after each request names the one that changed something.
        var last = try NodeDigest.take(node, tickets: false)
        var tally: [String: (run: Int, ok: Int)] = [:]
        var order: [String] = []
        for hostile in cases {
            if tally[hostile.category] == nil { order.append(hostile.category) }
            let answer = RawHTTP.exchange(port: node.port, hostile.request, timeout: hostile.timeout)
            let ok = hostile.expect.accepts(answer)
            tally[hostile.category, default: (0, 0)].run += 1
            if ok { tally[hostile.category]!.ok += 1 } else {
                findings.add("[\(hostile.category)] \(hostile.name): expected \(hostile.expect.text); got \(answer.summary)")
            }
            // An answer that never came may be a node that died (a crashing process can
            // take seconds to print its backtrace and go): find out before going on.
            if answer.closedWithoutAnswer || answer.timedOut || !node.isRunning, let death = node.waitHealthy() {
                findings.add("[\(hostile.category)] \(hostile.name): THE NODE DIED: \(death)")
                if try node.restart() { throw ChaosError("the node came back on another port; the matrix cannot follow") }
            }
            let now = try NodeDigest.take(node, tickets: false)
            for change in now.changes(from: last) { findings.add("[\(hostile.category)] \(hostile.name): CHANGED THE NODE: \(change)") }
            last = now
        }

        let clocks = ClockProbe.run(context)
        tally["clocks"] = (clocks.run, clocks.run - clocks.wrong.count)
        order.append("clocks")
        for w in clocks.wrong { findings.add("[clocks] \(w)") }

        // 50 garbage requests at once.
        let concurrent = Concurrent.garbage(context, count: 50)
        tally["concurrent"] = (concurrent.run, concurrent.run - concurrent.wrong.count)
        order.append("concurrent")
        for w in concurrent.wrong { findings.add("[concurrent] \(w)") }

        slowDone.wait()
        var slowOK = 0
        for o in slowBox.all.sorted(by: { $0.name < $1.name }) {
            if let after = o.closedAfter, after <= slowLimit {
                slowOK += 1
            } else {
                findings.add("[slow] \(o.name): expected the node to close it within \(Int(slowLimit)) s (header timeout \(Int(headerTimeout)) s); "
                    + (o.closedAfter.map { String(format: "closed after %.1f s", $0) } ?? "still open after \(Int(slowLimit + 5)) s (\(o.bytesSent) bytes sent)"))
            }
        }
        tally["slow headers"] = (slowBox.all.count, slowOK)
        order.append("slow headers")

        let after = try NodeDigest.take(node)
        let changes = after.changes(from: before)
        for change in changes { findings.add("[digest] changed: \(change)") }
        let alive = Alive.check(node, findings: findings)
        let synced = Alive.realSync(node, e1, ticket: context.ticketA, findings: findings)

        let run = tally.values.reduce(0) { $0 + $1.run }
        let ok = tally.values.reduce(0) { $0 + $1.ok }
        Say.line("chaos input: \(run) requests in \(Say.seconds(started)) against \(node.url) (node replica \(context.nodeReplica))")
        for category in order {
            let t = tally[category]!
            Say.line("  \(category.padding(toLength: 14, withPad: " ", startingAt: 0)) \(String(format: "%4d", t.run)) run, \(String(format: "%4d", t.ok)) as expected")
        }
        Say.line("  refused as expected: \(ok) of \(run); unrefused or wrong: \(run - ok)")
        Say.line("  digest unchanged: \(changes.isEmpty ? "yes" : "no") (\(before.summary))")
        Say.line("  node alive: \(alive ? "yes" : "no"); real sync after: \(synced ? "ok" : "FAILED")")
        return findings.verdict("input")
    }
}
