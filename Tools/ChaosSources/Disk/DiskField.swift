import Dispatch
import FieldTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The crash campaign's field with small disks: the node's data folder and one device's
/// home (E2's tablet) each on their own tmpfs, the node serving with a small reserve.
/// Torn down in order (node stopped, mounts copied if kept, unmounted, folder removed),
/// also when the campaign fails or is interrupted.
final class DiskField: @unchecked Sendable {
    // @unchecked: built and torn down on the campaign's thread; the signal handler only
    // reads constants and kills by pid.
    static let nodeMB = 256
    static let deviceMB = 64
    static let reserveMB = 32
    /// The device whose home is on its own small disk.
    static let smallDevice = "e2-tablet"

    let scratch: Scratch
    private(set) var nodeDisk: Tmpfs?
    private(set) var deviceDisk: Tmpfs?
    private(set) var rig: FieldRig?
    private var signals: [any DispatchSourceSignal] = []
    private let nodePID = PIDBox()
    private var tornDown = false

    var reserve: UInt64 { UInt64(Self.reserveMB) << 20 }

    init() throws {
        scratch = try Scratch("disk")
        watchSignals()
    }

    /// Mounts the disks, then starts the node and sets up the replicas on them.
    func start() throws -> FieldRig {
        nodeDisk = try Tmpfs(at: scratch.sub("node"), megabytes: Self.nodeMB)
        deviceDisk = try Tmpfs(at: scratch.sub(Self.smallDevice), megabytes: Self.deviceMB)
        let rig = try FieldRig("disk", scratch: scratch, nodeArgs: ["--disk-reserve-mb", "\(Self.reserveMB)"])
        self.rig = rig
        notePID()
        return rig
    }

    var node: Tmpfs { nodeDisk! }
    var device: Tmpfs { deviceDisk! }

    /// The node's pid, for the signal handler (after every restart).
    func notePID() { nodePID.set(rig?.node.child?.pid ?? 0) }

    func tearDown() {
        guard !tornDown else { return }
        tornDown = true
        rig?.node.stop()
        let keep = ProcessInfo.processInfo.environment["FIELDSYNC_CHAOS_KEEP"] == "1"
        for disk in [nodeDisk, deviceDisk].compactMap({ $0 }) {
            if keep { disk.keepCopy() }
            disk.empty()
            disk.unmount()
        }
        scratch.remove()
        for source in signals { source.cancel() }
    }

    /// SIGINT or SIGTERM: the node is killed, the mounts are let go lazily and the folder
    /// removed, so an interrupted campaign leaves no tmpfs behind.
    private func watchSignals() {
        let folder = scratch.path
        let mounts = [scratch.sub("node"), scratch.sub(Self.smallDevice)]
        let pid = nodePID
        let binaries = (Bin.path("fieldsync") as NSString).deletingLastPathComponent
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Say.progress("disk: interrupted: stopping the node, unmounting \(mounts.joined(separator: ", "))")
                if pid.value > 0 { _ = kill(pid.value, SIGKILL) }
                for mount in mounts { _ = try? Binaries.run(executable: "/usr/bin/umount", ["-l", mount]) }
                try? FileManager.default.removeItem(atPath: folder)
                if binaries.contains("fieldsync-chaos-bin-") { try? FileManager.default.removeItem(atPath: binaries) }
                exit(130)
            }
            source.resume()
            signals.append(source)
        }
    }
}

final class PIDBox: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var pid: Int32 = 0
    func set(_ p: Int32) { lock.withLock { pid = p } }
    var value: Int32 { lock.withLock { pid } }
}
