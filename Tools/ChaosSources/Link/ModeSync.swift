import FieldTestSupport
import Foundation

/// One `fieldsync sync --json` of a link mode: started, watched, and ended by itself or
/// by the harness, with how it ended and when.
final class ModeSync {
    let replica: Replica
    let child: Child
    let started = Date()
    /// When it ended (or the harness gave up on it).
    private(set) var ended: Date?
    /// The harness killed it (an engineer who switched off, or one that hung).
    private(set) var killed = false
    /// It still ran at the bound it was given (then killed).
    private(set) var hung = false

    init(_ replica: Replica, rig: FieldRig, tag: String) throws {
        self.replica = replica
        child = try Child(
            "fieldsync", ["sync", "--json"], env: ["FIELDSYNC_HOME": replica.home],
            outPath: rig.runs + "/\(replica.name).\(tag).out", errPath: rig.runs + "/\(replica.name).\(tag).err")
    }

    var isRunning: Bool { child.isRunning }

    /// Waits up to `limit` seconds from its start for it to end by itself; kills it if it
    /// does not (a hang). Says whether it ended by itself.
    @discardableResult
    func finish(limit: Double) -> Bool {
        Self.finishAll([self], limit: limit)
        return !hung
    }

    /// Notes when it ended, if it has; says whether it still runs.
    func poll() -> Bool {
        guard ended == nil else { return false }
        if child.isRunning { return true }
        child.wait(timeout: 5)
        ended = Date()
        return false
    }

    /// Waits for all of `syncs` to end (each noted when it does), killing any that still
    /// runs `limit` seconds after its start (a hang).
    static func finishAll(_ syncs: [ModeSync], limit: Double) {
        while syncs.map({ $0.poll() }).contains(true) {
            for sync in syncs where sync.ended == nil && Date().timeIntervalSince(sync.started) > limit {
                sync.hung = true
                sync.child.kill9()
                sync.ended = Date()
            }
            usleep(5_000)
        }
    }

    /// kill -9 now, as a phone switched off mid-sync.
    func kill() {
        guard poll() else { return }
        killed = true
        child.kill9()
        ended = Date()
    }

    /// Seconds from `since` (default: its start) to its end.
    func seconds(since: Date? = nil) -> Double { (ended ?? Date()).timeIntervalSince(since ?? started) }

    /// It ended by itself, successfully.
    var ok: Bool { !killed && !hung && !child.killedBySignal && child.status == 0 }
    /// It ended by itself, with an error.
    var failed: Bool { !killed && !hung && !child.killedBySignal && child.status != 0 }
    /// It died of a signal the harness did not send.
    var crashed: Bool { !killed && !hung && child.killedBySignal }

    var stderr: String { child.stderr }
    var message: String { PlainWords.brief(child.stderr) }
    var report: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(child.stdout.utf8))) as? [String: Any] ?? [:] }

    /// Runs one sync of `replica` to its end (bounded by `limit`), reporting a hang or a crash.
    static func run(_ replica: Replica, rig: FieldRig, tag: String, limit: Double, findings: Findings, context: String) throws -> ModeSync {
        let sync = try ModeSync(replica, rig: rig, tag: tag)
        sync.finish(limit: limit)
        sync.reportAccidents(findings, context: context, limit: limit)
        return sync
    }

    /// A hang past `limit` or a crash, as findings.
    func reportAccidents(_ findings: Findings, context: String, limit: Double) {
        if hung {
            findings.add("[hang] \(context): \(replica.name)'s sync still ran after \(Int(limit)) s and was killed")
        } else if crashed {
            findings.add("[crash] \(context): \(replica.name)'s fieldsync sync died of a signal: \(child.stderr.suffix(300))")
        }
    }

    /// A sync on the clean link (straight to the node) that must succeed: before a mode, so
    /// the replica has nothing else pending. Says whether it did.
    @discardableResult
    static func clean(_ replica: Replica, rig: FieldRig, findings: Findings, context: String) throws -> Bool {
        let sync = try run(replica, rig: rig, tag: "clean", limit: 300, findings: findings, context: context)
        if sync.failed { findings.add("[recover] \(context): \(replica.name)'s sync on a clean link failed: \(sync.message)") }
        return sync.ok
    }
}
