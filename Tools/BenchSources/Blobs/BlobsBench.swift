import FieldClient
import FieldModel
import FieldNode
import FieldStore
import Foundation

/// `Tools/bench blobs`: photos moving through the real node process on loopback.
///
/// 1. Upload (`BlobTransfer.uploadPending`: status, chunks sized to the link each fsynced
///    by the node, a finish that checks the SHA-256 the node took beside the upload) and
///    download (`BlobTransfer.fetch`: a status call, one streamed GET hashed beside the
///    writes, fsync, SHA-256 check) of 1 MB and
///    50 MB random blobs, best of 5, beside copies of the same file on the same disk
///    timed in the same run. Every timed step starts with dirty pages written out
///    (`FileCopy.settle`), so none pays for another's writes.
/// 2. The node's peak resident memory during a 50 MB upload, in a node process started
///    for that upload alone (blobs stream; none is ever held whole in memory).
enum BlobsBench {
    static let megabyte = 1 << 20
    /// `FIELDSYNC_BENCH_BLOB_SIZES=50` (MB, comma-separated) narrows a run while tuning.
    static let sizes = ProcessInfo.processInfo.environment["FIELDSYNC_BENCH_BLOB_SIZES"]
        .map { $0.split(separator: ",").compactMap { Int($0) } } ?? [1, 50]
    /// Best of 10 by default (`FIELDSYNC_BENCH_RUNS=N` to change): on this VM, filling new
    /// page-cache pages is now and then 5-8× slower for seconds at a time (cp shows it
    /// too, 16 vs 110 ms for 50 MB), and 5 runs of a 50 MB transfer sometimes caught no
    /// quiet moment at all.
    static let runs = ProcessInfo.processInfo.environment["FIELDSYNC_BENCH_RUNS"].flatMap { Int($0) } ?? 10
    static let ratioTarget = 0.3
    static let memoryTarget = 64 * megabyte

    /// Every timing of one blob size, in seconds.
    struct SizeRuns {
        let megabytes: Int
        var upload: [Double] = []
        var download: [Double] = []
        var cp: [Double] = []
        var copyItem: [Double] = []
        var copyFsync: [Double] = []
        /// What no transfer can beat (`Floors`): the bytes made durable two ways, and hashed.
        var durableCached: [Double] = []
        var durableDirect: [Double] = []
        var hash: [Double] = []
        var uploadMarks: [Timeline.Marks] = []
        var downloadMarks: [Timeline.Marks] = []
        /// CPU seconds (node, this process) each timed transfer used.
        var uploadCPU: [(node: Double, client: Double)] = []
        var downloadCPU: [(node: Double, client: Double)] = []

        var bytes: Int { megabytes * BlobsBench.megabyte }
        /// The fastest the disk made these bytes durable, either way (`Floors`).
        var durable: Double { (durableCached + durableDirect).filter(\.isFinite).min() ?? .nan }
        func rate(_ times: [Double]) -> Double { Double(megabytes) / (times.min() ?? .nan) }
        func best(_ times: [Double]) -> Int { times.indices.min { times[$0] < times[$1] } ?? 0 }
    }

    /// An engineer replica of E1 linked to the node.
    struct Device {
        let replica: FieldReplica
        var link: NodeLink

        init(home path: String, url: String, token: String) throws {
            let home = FieldHome(explicit: path)
            replica = try FieldReplica.initialise(home: home, engineer: "E1")
            try NodeLink.save(home: home, url: url, token: token)
            link = try NodeLink.load(home: home)
        }

        mutating func relink(url: String, token: String) throws {
            try NodeLink.save(home: replica.home, url: url, token: token)
            link = try NodeLink.load(home: replica.home)
        }

        func sync() async throws -> SyncReport { try await SyncClient(replica: replica, link: link).sync() }
    }

    static func run() async throws {
        var err = StandardError()
        let dir = try TempDirectory("blobs")
        defer { dir.remove() }

        // The node's data: one ticket assigned to E1 (a blob moves only if an op on a
        // ticket in the engineer's scope refers to it) and E1's token.
        let nodeData = dir.file("node")
        let token: String
        let ticket: String
        do {
            let store = try NodeData.open(nodeData)
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            var central = OpMaker(clock: HybridClock(replica: ReplicaID("central")!))
            let op = central.createTicket(
                TicketCreated(
                    customer: "Acme", site: "Plant 3", deviceModel: "Chiller X2", category: "repair",
                    fault: "Trips on high pressure", assignee: "E1", at: now), now: now)
            try store.apply([op], now: now)
            token = try store.createToken(name: "E1", role: .engineer, now: now).token
            ticket = op.subject.description
        }

        print("FieldSync blobs benchmark: the real fieldsync-node on 127.0.0.1; one E1 replica uploads (BlobTransfer.uploadPending),")
        print("a second E1 replica downloads (BlobTransfer.fetch); random bytes, a new blob every run; MB = 2^20 bytes")
        print("baselines: the same file copied on the same disk (\(dir.path)), in the same run")
        print("before every timed step (upload, download, each copy) sync(2) writes all dirty pages out, so each pays for its own writes")
        print("")

        var node = try NodeServer(data: nodeData)
        defer { node.stop() }  // whichever node is running when this returns or throws
        var uploader = try Device(home: dir.file("e1-up"), url: node.url, token: token)
        var downloader = try Device(home: dir.file("e1-down"), url: node.url, token: token)
        _ = try await uploader.sync()
        _ = try await downloader.sync()
        _ = try uploader.replica.ticket(ticket)

        var results: [SizeRuns] = []
        var sourceFor50: String?
        for megabytes in sizes {
            var r = SizeRuns(megabytes: megabytes)
            for run in 1...runs {
                print("\(megabytes) MB, run \(run) of \(runs)…", to: &err)
                let source = dir.file("photo-\(megabytes)mb-\(run).jpg")
                try RandomFile.write(source, bytes: r.bytes)
                let copy = dir.file("copy")
                // cp right before and after each transfer: this machine has slow phases
                // (every copy 5-8× slower) lasting seconds to minutes, and a cp timed only
                // now and then can miss the fast phase a transfer caught, flattering it.
                func cp() throws {
                    FileCopy.settle()
                    r.cp.append(try FileCopy.cp(source, copy))
                }

                try cp()
                let nodePID = node.process.processIdentifier
                let (up, upMarks, upCPU) = try await upload(uploader, file: source, ticket: ticket, bytes: r.bytes, node: nodePID)
                r.upload.append(up)
                r.uploadMarks.append(upMarks)
                r.uploadCPU.append(upCPU)
                try cp()
                let (down, downMarks, downCPU) = try await download(downloader, ticket: ticket, bytes: r.bytes, node: nodePID)
                r.download.append(down)
                r.downloadMarks.append(downMarks)
                r.downloadCPU.append(downCPU)
                try cp()

                FileCopy.settle()
                r.copyItem.append(try FileCopy.copyItem(source, copy))
                FileCopy.settle()
                r.copyFsync.append(try FileCopy.copyAndFsync(source, copy))
                let floors = try Floors(source: source, size: r.bytes)
                r.durableCached.append(try floors.durableCached(to: copy))
                r.durableDirect.append(try floors.durableDirect(to: copy))
                r.hash.append(floors.hash())
                if megabytes == 50, sourceFor50 == nil { sourceFor50 = source } else { try FileManager.default.removeItem(atPath: source) }
            }
            results.append(r)
        }
        let longRunningHWM = NodeMemory.field("VmHWM", pid: node.process.processIdentifier)

        printTable(results)
        print("")
        printFloors(results)
        print("")
        print("where the time goes")
        for r in results { printBreakdown(r) }
        if let source = sourceFor50 {
            try printDiagnostics(source: source, scratch: dir.file("diag"))
            try FileManager.default.removeItem(atPath: source)
        }
        print("")

        // Peak memory: a fresh node process, so its high-water mark is this upload's.
        node.stop()
        print("50 MB upload into a fresh node process, memory sampled…", to: &err)
        node = try NodeServer(data: nodeData)
        try uploader.relink(url: node.url, token: token)
        try downloader.relink(url: node.url, token: token)
        let source = dir.file("photo-memory.jpg")
        try RandomFile.write(source, bytes: 50 * megabyte)
        _ = try uploader.replica.attachPhoto(ticket: ticket, file: source, caption: "")
        _ = try await uploader.sync()
        let pid = node.process.processIdentifier
        let before = NodeMemory.field("VmRSS", pid: pid) ?? 0
        let (_, uploadPeak, uploadSamples) = try await NodeMemory.sampling(pid: pid) {
            try await upload(uploader, bytes: 50 * megabyte)
        }
        guard let hwm = NodeMemory.field("VmHWM", pid: pid) else {
            let state = node.process.isRunning ? "running" : "exited with \(node.process.terminationStatus) (\(node.process.terminationReason == .uncaughtSignal ? "signal" : "exit"))"
            throw BenchError("cannot read /proc/\(pid)/status: the node is \(state); \(uploadSamples) VmRSS samples, max \(mb(uploadPeak))")
        }
        let (_, downloadPeak, downloadSamples) = try await NodeMemory.sampling(pid: pid) {
            try await download(downloader, ticket: ticket, bytes: 50 * megabyte, node: pid)
        }
        let peak = max(hwm, uploadPeak)
        print("node peak resident memory during a 50 MB upload (fresh fieldsync-node, pid \(pid)):")
        print("  VmHWM after the upload \(mb(hwm))   max VmRSS sampled every 20 ms \(mb(uploadPeak)) (\(uploadSamples) samples)   VmRSS before it \(mb(before))")
        print("  target < \(memoryTarget / megabyte) MB: \(peak < memoryTarget ? "PASS" : "BELOW")   (\(mb(peak)), the higher of the two)")
        print("  for reference: max VmRSS during the 50 MB download that followed \(mb(downloadPeak)) (\(downloadSamples) samples);"
              + " VmHWM of the node that served all the timed runs \(longRunningHWM.map(mb) ?? "?")")
    }

    // MARK: Transfers

    /// Attaches `file` to `ticket`, pushes the op, then times the upload of its blob.
    static func upload(_ device: Device, file: String, ticket: String, bytes: Int, node: Int32) async throws
        -> (Double, Timeline.Marks, (node: Double, client: Double))
    {
        _ = try device.replica.attachPhoto(ticket: ticket, file: file, caption: "")
        let report = try await device.sync()
        guard report.pushed == 1 else { throw BenchError("the attach op was not pushed (pushed \(report.pushed))") }
        let timeline = Timeline()
        FileCopy.settle()
        let cpu = (node: CPUTime.of(pid: node), client: CPUTime.of(pid: getpid()))
        let started = ContinuousClock.now
        try await upload(device, bytes: bytes, timeline: timeline)
        let t = SyncBench.elapsed(since: started)
        return (t, timeline.marks, (CPUTime.of(pid: node) - cpu.node, CPUTime.of(pid: getpid()) - cpu.client))
    }

    static func upload(_ device: Device, bytes: Int, timeline: Timeline = Timeline()) async throws {
        let (p, refused) = try await BlobTransfer(replica: device.replica, link: device.link).uploadPending { timeline.record($0) }
        guard refused.isEmpty, p.blobs == 1, p.bytes == UInt64(bytes) else {
            throw BenchError("upload moved \(p.blobs) blobs, \(p.bytes) of \(bytes) bytes; refused: \(refused)")
        }
    }

    /// Pulls the attach op, then times fetching the blob.
    static func download(_ device: Device, ticket: String, bytes: Int, node: Int32) async throws
        -> (Double, Timeline.Marks, (node: Double, client: Double))
    {
        let report = try await device.sync()
        guard report.pulled >= 1 else { throw BenchError("the downloading replica pulled no op") }
        let timeline = Timeline()
        FileCopy.settle()
        let cpu = (node: CPUTime.of(pid: node), client: CPUTime.of(pid: getpid()))
        let started = ContinuousClock.now
        let p = try await BlobTransfer(replica: device.replica, link: device.link).fetch(ticket: ticket) { timeline.record($0) }
        let t = SyncBench.elapsed(since: started)
        let used = (node: CPUTime.of(pid: node) - cpu.node, client: CPUTime.of(pid: getpid()) - cpu.client)
        guard p.blobs == 1, p.bytes == UInt64(bytes) else { throw BenchError("fetch moved \(p.blobs) blobs, \(p.bytes) of \(bytes) bytes") }
        return (t, timeline.marks, used)
    }

    // MARK: Report

    static func mb(_ bytes: Int) -> String { Format.fixed(Double(bytes) / Double(megabyte), 1) + " MB" }

    static func printTable(_ results: [SizeRuns]) {
        let w = [6, 13, 15, 10, 15, 17, 11, 13]
        func row(_ cells: [String]) -> String {
            zip(cells, w).enumerated().map { $0 == 0 ? Format.left($1.0, $1.1) : Format.right($1.0, $1.1) }.joined()
        }
        print("best of \(runs) (a shared machine: noise only adds time)")
        print(row(["blob", "upload MB/s", "download MB/s", "cp MB/s", "copyItem MB/s", "copy+fsync MB/s", "upload÷cp", "download÷cp"]))
        for r in results {
            let cp = r.rate(r.cp)
            print(row([
                "\(r.megabytes) MB", Format.fixed(r.rate(r.upload), 1), Format.fixed(r.rate(r.download), 1), Format.fixed(cp, 1),
                Format.fixed(r.rate(r.copyItem), 1), Format.fixed(r.rate(r.copyFsync), 1),
                Format.fixed(r.rate(r.upload) / cp, 2) + "×", Format.fixed(r.rate(r.download) / cp, 2) + "×",
            ]))
        }
        print("ratios are against the best cp: /bin/cp as a child process (spawn included), no fsync, timed before and after every")
        print("transfer (\(3 * runs) per size). copyItem: FileManager.copyItem, no fsync.")
        print("copy+fsync: FileHandle copy in 1 MB chunks, then synchronize(). An upload is durable at the end of each chunk:")
        print("the first is 1 MB (to measure the link), the next carries ~10 s of the measured rate (on loopback: the rest).")
        print("")
        for (name, pick) in [("upload", \SizeRuns.upload), ("download", \SizeRuns.download)] as [(String, KeyPath<SizeRuns, [Double]>)] {
            let cells = results.map { r -> String in
                let ratio = r.rate(r[keyPath: pick]) / r.rate(r.cp)
                return "\(r.megabytes) MB \(Format.fixed(ratio, 2))× \(ratio >= ratioTarget ? "PASS" : "BELOW")"
            }
            print(Format.left("target \(name) ÷ cp ≥ \(ratioTarget)×", 30) + cells.joined(separator: "   "))
        }
        print("")
        print("all runs (s)")
        for r in results {
            for (name, times) in [("upload", r.upload), ("download", r.download), ("cp (3 per run)", r.cp), ("copyItem", r.copyItem), ("copy+fsync", r.copyFsync)] {
                print("  " + Format.left("\(r.megabytes) MB \(name)", 22) + times.map { Format.fixed($0, 4) }.joined(separator: " "))
            }
        }
    }

    /// The ceiling this machine puts on the ratios, whatever the code: an upload ends with
    /// the blob durable on the node and a download with it durable on the device, so
    /// neither can beat the fastest durable write of the same bytes to the same disk.
    static func printFloors(_ results: [SizeRuns]) {
        let w = [6, 17, 16, 16, 10, 16, 13, 13]
        func row(_ cells: [String]) -> String {
            zip(cells, w).enumerated().map { $0 == 0 ? Format.left($1.0, $1.1) : Format.right($1.0, $1.1) }.joined()
        }
        func ms(_ times: [Double]) -> String {
            times.contains(where: \.isNaN) ? "n/a" : Format.fixed((times.min() ?? .nan) * 1000, 1) + " ms"
        }
        print("floors: the same bytes from memory, same disk, best of \(runs), timed in the same runs as the transfers")
        print(row(["blob", "cached+fsync", "O_DIRECT+fsync", "SHA-256 1 core", "best cp", "cp÷durable", "upload÷cp", "download÷cp"]))
        for r in results {
            let cp = r.cp.min() ?? .nan
            print(row([
                "\(r.megabytes) MB", ms(r.durableCached), ms(r.durableDirect), ms(r.hash), ms(r.cp),
                Format.fixed(cp / r.durable, 2) + "×",
                Format.fixed(cp / (r.upload.min() ?? .nan), 2) + "×", Format.fixed(cp / (r.download.min() ?? .nan), 2) + "×",
            ]))
        }
        print("cp÷durable is the most any upload or download can reach here: both end with the blob fsynced (the node before")
        print("it acknowledges a chunk, the client before a fetched blob becomes visible); cp does not wait for the disk.")
        for r in results {
            let cp = r.cp.min() ?? .nan
            let durable = r.durable
            let ceiling = cp / durable
            let verdict = ceiling >= ratioTarget
                ? "reachable here (ceiling \(Format.fixed(ceiling, 2))× ≥ \(ratioTarget)×)"
                : "UNREACHABLE on this machine: the disk alone needs \(Format.fixed(durable * 1000, 1)) ms, "
                    + "\(ratioTarget)× of cp allows \(Format.fixed(cp / ratioTarget * 1000, 1)) ms"
            let upload = durable / (r.upload.min() ?? .nan)
            let download = durable / (r.download.min() ?? .nan)
            print("  \(r.megabytes) MB: target \(ratioTarget)× \(verdict); best upload at \(Format.fixed(upload * 100, 0))%"
                  + " of the floor's speed, download at \(Format.fixed(download * 100, 0))%")
        }
    }

    /// The best upload and download of one size, split by what the progress callback saw.
    static func printBreakdown(_ r: SizeRuns) {
        let u = r.best(r.upload)
        let up = r.uploadMarks[u]
        let upTotal = r.upload[u] * 1000
        let first = (up.first ?? 0) * 1000
        let last = up.last * 1000
        // Over plain HTTP (sendfile) progress comes once per chunk, when the node has it.
        print("  \(r.megabytes) MB upload, \(Format.fixed(upTotal, 1)) ms in \(up.calls) chunk(s): the first acknowledged at"
              + " \(Format.fixed(first, 1)) ms (pending query + status call + 1 MB sent and fsynced), the last at"
              + " \(Format.fixed(last, 1)) ms (the last PUT also has the node check the hash and move the blob in), then"
              + " \(Format.fixed(upTotal - last, 1)) ms (the device records the node's confirmation)")
        let d = r.best(r.download)
        let down = r.downloadMarks[d]
        let downTotal = r.download[d] * 1000
        print("  \(r.megabytes) MB download, \(Format.fixed(downTotal, 1)) ms: first bytes at \(Format.fixed((down.first ?? 0) * 1000, 1)) ms,"
              + " last at \(Format.fixed(down.last * 1000, 1)) ms (\(down.calls) body chunks),"
              + " \(Format.fixed(downTotal - down.last * 1000, 1)) ms after (fsync + hash check + rename; confirm)")
        func cpu(_ c: (node: Double, client: Double), _ wall: Double) -> String {
            "node \(Format.fixed(c.node * 1000, 1)) ms + client \(Format.fixed(c.client * 1000, 1)) ms"
                + " = \(Format.fixed((c.node + c.client) / wall, 2)) of the 2 cores' \(Format.fixed(2 * wall * 1000, 1)) ms"
        }
        print("    CPU used: upload \(cpu(r.uploadCPU[u], r.upload[u])); download \(cpu(r.downloadCPU[d], r.download[d]))")
    }

    /// The pieces an upload is made of, on the same file and disk: hashing it the way the
    /// node does (libcrypto), and 1 MB writes each followed by an fsync.
    static func printDiagnostics(source: String, scratch: String) throws {
        let size = (try FileManager.default.attributesOfItem(atPath: source)[.size] as? NSNumber)?.intValue ?? 0
        let megabytes = Double(size) / Double(megabyte)
        var hashTimes: [Double] = []
        var fsyncTimes: [Double] = []
        for _ in 0..<runs {
            hashTimes.append(try seconds {
                guard let input = FileHandle(forReadingAtPath: source) else { throw BenchError("cannot read \(source)") }
                defer { try? input.close() }
                let hasher = BlobHasher()
                while let chunk = try input.read(upToCount: megabyte), !chunk.isEmpty { hasher.update(chunk) }
                _ = hasher.digest
            })
            fsyncTimes.append(try seconds {
                guard let input = FileHandle(forReadingAtPath: source) else { throw BenchError("cannot read \(source)") }
                defer { try? input.close() }
                guard FileManager.default.createFile(atPath: scratch, contents: nil), let out = FileHandle(forWritingAtPath: scratch) else {
                    throw BenchError("cannot create \(scratch)")
                }
                defer { try? out.close() }
                while let chunk = try input.read(upToCount: megabyte), !chunk.isEmpty {
                    try out.write(contentsOf: chunk)
                    try out.synchronize()
                }
            })
            try FileManager.default.removeItem(atPath: scratch)
        }
        let hash = hashTimes.min() ?? .nan
        let fsync = fsyncTimes.min() ?? .nan
        print("  same file, same disk, in this process (best of \(runs)): libcrypto SHA-256 (BlobHasher) of \(Format.fixed(megabytes, 0)) MB read in 1 MB chunks"
              + " \(Format.fixed(hash * 1000, 1)) ms (\(Format.fixed(megabytes / hash, 1)) MB/s);"
              + " copy with an fsync after every 1 MB \(Format.fixed(fsync * 1000, 1)) ms (\(Format.fixed(megabytes / fsync, 1)) MB/s,"
              + " \(Format.fixed(fsync * 1000 / megabytes, 2)) ms per chunk)")
    }
}
