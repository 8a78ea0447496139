import FieldNode
import Foundation

/// Times a depot's relay by its status (`fieldsync-node status`, read every 50 ms): from
/// a start until no op waits (a sync after `previousSync` committed), and until no photo
/// waits either.
struct RelayWatch {
    /// Seconds from the start until every op went up, and until every photo did too.
    var opsSeconds = 0.0
    var allSeconds = 0.0

    static func drain(_ rig: DepotRig, from start: ContinuousClock.Instant, previousSync: String?, timeout: Double = 900) throws -> RelayWatch {
        var watch = RelayWatch()
        var opsDone = false
        while true {
            let now = SyncBench.elapsed(since: start)
            if let u = try rig.upstream(), let sync = u.lastSync, sync != previousSync, u.opsWaiting == 0 {
                if !opsDone {
                    opsDone = true
                    watch.opsSeconds = now
                }
                if u.blobsWaiting == 0 {
                    watch.allSeconds = now
                    return watch
                }
            }
            if now > timeout {
                let u = try rig.upstream()
                throw BenchError("the depot had not relayed everything after \(Int(timeout)) s (\(u.map { "\($0.opsWaiting) ops, \($0.blobsWaiting) photos waiting, last error \($0.lastError ?? "none")" } ?? "no upstream")); its log:\n\(rig.logTail)")
            }
            usleep(50_000)
        }
    }
}
