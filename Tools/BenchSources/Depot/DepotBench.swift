import FieldClient
import FieldModel
import FieldNode
import FieldTestSupport
import Foundation

/// `Tools/bench depot`: how long a depot takes to relay a shift end to central (M8), all
/// real `fieldsync-node` processes on loopback and real tablets syncing through FieldClient.
///
/// 1. Central and a depot (``DepotRig``); the depot pulls its engineers' tickets; each
///    engineer's tablet pulls its morning at the depot and records its day offline (the
///    shift-end workload of `sync` and `pg`, ``ShiftWorkload``), and some take photos
///    (``ShiftPhotos``).
/// 2. Central stops; the engineers sync their day at the depot, all at once (timed: the
///    depot's intake).
/// 3. The depot stops, central starts again, the depot starts again (so its relay runs at
///    once, not after the backoff it reached while central was away): the clock runs from
///    there until its status says no op and no photo waits (``RelayWatch``); the bytes that
///    crossed depot ⇄ central are counted by a proxy between them.
/// 4. Baseline, in the same run: the same day and photos by as many new tablets straight to
///    a fresh central, all at once, through the same kind of counting proxy.
///
/// After 3 and 4 each central is checked (``CentralHolds``): every op once, every photo
/// whole. Knobs: ``DepotShape``.
enum DepotBench {
    static func run() async throws {
        var err = StandardError()
        let shape = try DepotShape.fromEnvironment()
        print("generating the workload…", to: &err)
        var workload = ShiftWorkload.Shape.standard
        workload.engineers = shape.engineers
        let days = ShiftWorkload.generate(workload).days
        let dayOps = days.reduce(0) { $0 + $1.ops.count }
        let morningOps = days.reduce(0) { $0 + $1.morning.count }
        let now = UInt64(Date().timeIntervalSince1970 * 1000)

        let dir = try TempDirectory("depot")
        defer { dir.remove() }
        let photos = try ShiftPhotos.make(days, shape: shape, in: dir)

        print("FieldSync depot benchmark: central and a depot (`serve --upstream`, every 1 s) as real fieldsync-node processes on 127.0.0.1, tablets syncing through FieldClient")
        print("workload: \(shape.engineers) engineers × \(workload.ticketsPerEngineer) tickets, \(Format.grouped(dayOps)) ops in their day; \(photos.photos.count) photos (\(Format.fixed(photos.megabytes, 1)) MB) by every \(shape.photoEvery)th engineer")
        print("")

        // 1–3: through the depot.
        print("starting central and the depot, the depot's morning pull…", to: &err)
        let relayDir = try TempDirectory("depot-relay")
        defer { relayDir.remove() }
        let rig = try DepotRig(days: days, in: relayDir, now: now)
        defer { rig.stop() }
        try rig.waitForMorning(tickets: morningOps)
        print("setting up \(days.count) tablets at the depot (morning pull, then the day recorded offline)…", to: &err)
        var tablets = try await Depot.prepare(days, idle: nil, urls: [rig.depot.url], tokens: rig.tokens, in: relayDir, now: now)
        let attached = try photos.attach(to: tablets)
        tablets.extraOps = attached.ops
        tablets.sendsPhotos = true
        rig.stopCentral()
        print("central stopped; the engineers sync their day at the depot…", to: &err)
        let intake = try await tablets.shiftEnd()
        guard let away = try rig.upstream() else { throw BenchError("the depot's status names no upstream at \(rig.proxy.url)") }
        guard away.opsWaiting == UInt64(intake.pushed), away.blobsWaiting == photos.photos.count else {
            throw BenchError("the depot took \(intake.pushed) ops and \(photos.photos.count) photos but says \(away.opsWaiting) ops and \(away.blobsWaiting) photos wait")
        }
        rig.stopDepot()
        // The same day as a bundle, for a site with no uplink: the request the depot would
        // carry to central on a stick (its ops and photos), beside the wire bytes below.
        print("the same day as a bundle (export only)…", to: &err)
        let bundleStart = ContinuousClock.now
        let bundle = try await NodeBundles.export(dataDirectory: rig.depotFolder, peer: "central", token: rig.depotToken, to: relayDir.file("day.fsb"))
        let bundleSeconds = (ContinuousClock.now - bundleStart) / .seconds(1)
        guard bundle.ops == intake.pushed, bundle.blobs == photos.photos.count else {
            throw BenchError("the bundle holds \(bundle.ops) ops and \(bundle.blobs) photos, not the day's \(intake.pushed) and \(photos.photos.count)")
        }
        try rig.startCentral()
        let (upBefore, downBefore) = (rig.proxy.bytesToTarget, rig.proxy.bytesToClient)
        print("central back; the depot relays…", to: &err)
        let start = ContinuousClock.now
        try rig.startDepot()
        let relay = try RelayWatch.drain(rig, from: start, previousSync: away.lastSync)
        let (wireUp, wireDown) = (rig.proxy.bytesToTarget - upBefore, rig.proxy.bytesToClient - downBefore)
        rig.stop()
        let sent = zip(attached.digests, photos.photos).map { ($0, $1.bytes) }
        try CentralHolds.check(rig.centralFolder, ops: morningOps + intake.pushed, photos: sent, label: "through the depot")

        // 4: straight to central.
        print("baseline: setting up \(days.count) tablets at a fresh central…", to: &err)
        let directDir = try TempDirectory("depot-direct")
        defer { directDir.remove() }
        let central = try BenchCentral.sqlite(in: directDir, days: days, now: now)
        defer { central.stop() }
        guard let port = URL(string: central.urls[0])?.port else { throw BenchError("central's address \(central.urls[0]) has no port") }
        let proxy = try CuttingProxy(targetPort: port)
        defer { proxy.stop() }
        var direct = try await Depot.prepare(days, idle: nil, urls: [proxy.url], tokens: central.tokens, in: directDir, now: now)
        direct.extraOps = try photos.attach(to: direct).ops
        direct.sendsPhotos = true
        let (directUpBefore, directDownBefore) = (proxy.bytesToTarget, proxy.bytesToClient)
        print("baseline: the engineers sync their day straight to central…", to: &err)
        let straight = try await direct.shiftEnd()
        let (directUp, directDown) = (proxy.bytesToTarget - directUpBefore, proxy.bytesToClient - directDownBefore)
        central.stop()
        try CentralHolds.check(directDir.file("node"), ops: morningOps + straight.pushed, photos: sent, label: "straight to central")

        let report = DepotReport(
            ops: intake.pushed, photos: photos.photos.count, photoMB: photos.megabytes, intake: intake, relay: relay,
            wire: (wireUp, wireDown), direct: straight, directWire: (directUp, directDown), bundle: (Int(bundle.bytes), bundleSeconds))
        for line in report.lines { print(line) }
    }
}
