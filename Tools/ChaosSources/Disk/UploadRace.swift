import FieldTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Something else fills the node's disk while a device uploads a big photo: the reserve
/// check passed, then the writes meet a full disk. The upload must end in 507 (or finish
/// first), never a 500, and go on from where it stopped once space is freed (the settle
/// and the ledger check that).
enum UploadRace {
    static func run(_ c: DiskContext) throws {
        let device = c.rig.replicas.filter { c.deviceLevel(of: $0) == .room }.randomElement(using: &c.rng)!
        let size = Int.random(in: 4_000_000...12_000_000, using: &c.rng)
        let extra = Double.random(in: 0...0.05, using: &c.rng)
        guard try c.photo(device, c.ticket(of: device), size: size).sha != nil else {
            c.add("[device] a \(mb(UInt64(size))) photo was refused on \(device.name), a device with room: \(device.lastRefusal?.stderr.prefix(300) ?? "")")
            return
        }
        c.tally.races += 1
        // Through a slow link (about 3 s for the photo), so that the disk fills while its
        // bytes are still coming: once its first bytes are on the node.
        let token = try String(contentsOfFile: device.home + "/token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let link = try CuttingProxy(targetPort: c.rig.node.port, bytesPerSecond: max(size / 3, 500_000))
        defer { link.stop() }
        try device.login(node: link.url, token: token)
        defer { try? device.login(node: c.rig.node.url, token: token) }
        let partial = c.nodeData + "/partial"
        let held = bytes(in: partial)
        let child = try device.startSync(scratch: c.rig.runs)
        let deadline = child.started.addingTimeInterval(30)
        while child.isRunning && Date() < deadline && bytes(in: partial) <= held { usleep(1_000) }
        if extra > 0 && child.isRunning { usleep(UInt32(extra * 1_000_000)) }
        try c.field.node.fill(leaving: 0)
        c.plan.node = .none
        if !child.wait(timeout: 120) {
            child.kill9()
            c.add("[hang] \(device.name)'s sync still ran 120 s after the node's disk filled under its upload")
            return
        }
        let verdict = SyncVerdict.of(status: child.status, stdout: child.stdout, stderr: child.stderr, killed: child.killedBySignal)
        c.tally.count(verdict)
        c.tally.raceOutcomes[verdict.name, default: 0] += 1
        let label = "\(device.name)'s sync while the node's disk filled under its \(mb(UInt64(size))) photo"
        switch verdict {
        case .ok, .photosRefused, .syncRefused: break
        case .deviceFull(let message), .failed(let message): c.add("[sync] \(label) failed: \(message.prefix(400))")
        case .crashed(let message): c.add("[crash] \(label): fieldsync died of a signal: \(message.suffix(300))")
        }
        c.checkWords(verdict, label)
    }

    /// The bytes in the node's folder of unfinished uploads.
    static func bytes(in folder: String) -> Int {
        let names = (try? FileManager.default.subpathsOfDirectory(atPath: folder)) ?? []
        return names.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: folder + "/" + $1))?[.size] as? Int ?? 0) }
    }
}
