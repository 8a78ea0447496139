import Foundation

/// The disk campaign's figures.
struct DiskTally {
    var rounds = 0
    /// Rounds by the node's level ("room", "edge", "under reserve", "full") and the device's.
    var nodeLevels: [String: Int] = [:]
    var deviceLevels: [String: Int] = [:]
    /// Syncs by verdict name.
    var syncs: [String: Int] = [:]
    /// Syncs on a node under its reserve or full whose ops went both ways, checked against
    /// the node (every op of the device there, every ticket the same).
    var pushPullChecked = 0
    var nodeRestarts = 0
    /// Raw uploads sent to a node under its reserve or full, and how many got 507 `quota`.
    var rawUploads = 0
    var rawUploads507 = 0
    /// Uploads racing a disk filled under them, and how they ended.
    var races = 0
    var raceOutcomes: [String: Int] = [:]
    /// Lowest free space seen on the node's disk right after a sync at the edge level.
    var lowestEdgeFree: UInt64 = .max
    /// Device writes on a full or tight device: refused with the plain words, or stored
    /// (SQLite still had room inside its files).
    var deviceWritesRefused = 0
    var deviceWritesStored = 0
    var devicePhotosRefused = 0
    var deviceReads = 0
    /// Dispatch changes at the node refused for want of room (admin CLI on a full disk).
    var adminWritesRefused = 0

    mutating func count(_ verdict: SyncVerdict) { syncs[verdict.name, default: 0] += 1 }

    var syncsOK: Int { syncs["ok"] ?? 0 }
    var syncsPhotosRefused: Int { syncs["photos refused (507)"] ?? 0 }
    var syncsRefused: Int { syncs["refused whole (507)"] ?? 0 }
    var syncsDeviceFull: Int { syncs["device full"] ?? 0 }
    var syncsFailed: Int { (syncs["failed"] ?? 0) + (syncs["crashed"] ?? 0) }
    var syncsAll: Int { syncs.values.reduce(0, +) }

    static func list(_ counts: [String: Int], order: [String]) -> String {
        order.compactMap { key in counts[key].map { "\($0) \(key)" } }.joined(separator: ", ")
    }
}
