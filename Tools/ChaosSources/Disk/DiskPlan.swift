import FieldTestSupport
import Foundation

/// How full the node's disk is made for a round, and what the README promises then.
enum NodeLevel: Equatable, CustomStringConvertible {
    /// The filler removed: everything goes.
    case room
    /// Just above the reserve (`leave` bytes free): small photos go, bigger ones are refused,
    /// and no upload may take the free space under the reserve.
    case edge(leave: UInt64)
    /// Under the reserve, above zero: every photo is refused (507); notes push and pulls work.
    case underReserve(leave: UInt64)
    /// Nothing free: a sync may be refused too, with 507 and the node's plain words.
    case none

    var description: String {
        switch self {
        case .room: "room"
        case .edge(let leave): "\(mb(leave)) free, just over the reserve"
        case .underReserve(let leave): "\(mb(leave)) free, under the reserve"
        case .none: "full (0 free)"
        }
    }

    var name: String {
        switch self {
        case .room: "room"
        case .edge: "edge"
        case .underReserve: "under reserve"
        case .none: "full"
        }
    }

    /// Whether the README lets the node refuse a whole sync (op log full) at this level.
    var syncMayBeRefused: Bool { self == .none }
    /// Whether the node may refuse photos at this level.
    var photosMayBeRefused: Bool { self != .room }
    /// Whether every photo must be refused at this level.
    var photosMustBeRefused: Bool {
        switch self {
        case .underReserve, .none: true
        default: false
        }
    }
}

/// How full the small device's disk is made for a round.
enum DeviceLevel: Equatable, CustomStringConvertible {
    case room
    /// A few MB free: a bigger photo is refused with the MB needed; notes go.
    case tight(leave: UInt64)
    /// Nothing free: writes are refused with "this device's storage is full"; reads work.
    case none

    var description: String {
        switch self {
        case .room: "room"
        case .tight(let leave): "\(mb(leave)) free"
        case .none: "full (0 free)"
        }
    }
}

/// One round's disks and events, drawn from the seed.
struct DiskPlan {
    var node: NodeLevel
    var device: DeviceLevel
    /// The node is restarted on its full disk before the probes.
    var restartNode: Bool
    /// The node's disk is filled to nothing while a device uploads a big photo.
    var fillDuringUpload: Bool

    static func draw(_ rng: inout SeededRandom, reserve: UInt64) -> DiskPlan {
        let mib: UInt64 = 1 << 20
        let n = Int.random(in: 0..<100, using: &rng)
        let node: NodeLevel =
            n < 20 ? .room
            : n < 40 ? .edge(leave: reserve + UInt64.random(in: 1 * mib...6 * mib, using: &rng))
            : n < 75 ? .underReserve(leave: UInt64.random(in: 2 * mib...(reserve - 2 * mib), using: &rng))
            : .none
        let d = Int.random(in: 0..<100, using: &rng)
        let device: DeviceLevel = d < 50 ? .room : d < 70 ? .tight(leave: UInt64.random(in: 1 * mib...4 * mib, using: &rng)) : .none
        let restart = Int.random(in: 0..<100, using: &rng) < 12
        let race = Int.random(in: 0..<100, using: &rng) < 30
        return DiskPlan(node: node, device: device, restartNode: restart, fillDuringUpload: race && (node == .room || node.name == "edge"))
    }
}

/// "12.3 MB" (decimal, as the product says it).
func mb(_ bytes: UInt64) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
