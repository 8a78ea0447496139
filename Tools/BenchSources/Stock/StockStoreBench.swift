import FieldModel
import FieldStore
import Foundation
import GRDB

/// `Tools/bench stock`, second part: the ledger as the store keeps it (issue 25, M7). The
/// same seeded year as ``StockBench`` is applied to a node's `ReplicaStore` (a fresh file
/// in a temporary directory) in batches, as pushes deliver them; the store writes each op's
/// postings (`stock_entries`, `stock_in_transit`) and `stockLines` reconciles by SQL sums.
/// Prints the time to load it, a full reconcile (best of 3), the resident memory the
/// reconcile adds, and one more movement or part line applied to the up-to-date store and
/// its line reconciled again (median of 50). Then checks the store's lines against the
/// model's over the same ops.
///
/// Runs as its own process (`fieldsync-bench stock-store`, which `stock` starts before its
/// model section): the model's ledger holds ~450 MB, and the memory measured here is this
/// process's alone.
enum StockStoreBench {
    static let batch = 2_000
    /// `FIELDSYNC_BENCH_STOCK_REPS=N`: N of each one-more op instead of 50 (to profile them).
    static let repetitions = ProcessInfo.processInfo.environment["FIELDSYNC_BENCH_STOCK_REPS"].flatMap { Int($0) }.map { max(1, $0) } ?? 50
    /// Stamps and `now` for what comes after the year (the year ends before it).
    static let after: UInt64 = 1_830_000_000_000

    /// `fieldsync-bench stock-store` as a child process; returns its report (standard
    /// output). Its progress goes to this process's standard error as it comes.
    static func spawn() throws -> String {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["stock-store"]
        let out = Pipe()
        child.standardOutput = out
        try child.run()
        let report = out.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else { throw BenchError("stock-store (the store's section) exited with status \(child.terminationStatus)") }
        return String(decoding: report, as: UTF8.self)
    }

    static func run() throws {
        var err = StandardError()
        let rssStart = rss()
        let dir = try TempDirectory("stock")
        let keep = ProcessInfo.processInfo.environment["FIELDSYNC_BENCH_STOCK_KEEP"] == "1"
        defer { if keep { print("kept the store: \(dir.file("replica.sqlite"))", to: &err) } else { dir.remove() } }
        // Opened as `fieldsync-node serve` opens its store (NodeData): a pool whose readers
        // are connections of their own. A device's single queue marks itself read-only for
        // each read (`PRAGMA query_only`), which expires every prepared statement, so the
        // next write prepares each again: measured here, that was half of one more op's time.
        _ = try ReplicaStore.create(at: dir.file("replica.sqlite"), replica: ReplicaID("node-bench1")!, engineer: "central")
        let store = try ReplicaStore.open(at: dir.file("replica.sqlite"), concurrentReads: true)

        let (count, load) = try load(into: store)
        // The ops are freed; hand their heap back so what stays resident is the store's.
        trimHeap()
        let rssLoaded = rss()
        resetPeak()

        // Full reconcile, best of 3. The previous run's lines are dropped first, so the peak
        // is one reconcile's.
        print("reconciling every location and part (3 runs)…", to: &err)
        var runs: [Double] = []
        var lines: [StockLedger.Line] = []
        for _ in 0..<3 {
            lines = []
            runs.append(try seconds { lines = try store.stockLines() })
        }
        let rssPeak = peak()
        let rssAfter = rss()
        let negative = lines.filter(\.isNegative).count

        // One more movement on the up-to-date store: a receipt at a warehouse, then a part
        // line on an existing ticket from a van; each applied alone, then its key's line.
        print("one more movement and part line (\(repetitions) each)…", to: &err)
        var node = OpMaker(clock: HybridClock(replica: ReplicaID("node-bench")!), nextCounter: 10_000_000)
        var tablets = (0..<StockBench.locations).map {
            OpMaker(clock: HybridClock(replica: ReplicaID("e\($0)-tab")!), nextCounter: 10_000_000)
        }
        var receipt = (apply: [Double](), line: [Double]())
        var partLine = (apply: [Double](), line: [Double]())
        for i in 0..<repetitions {
            let now = after + UInt64(i) * 1000
            let warehouse = StockLocation(.warehouse, "W\(i % 5)")!
            let part = "P\((i * 37) % StockBench.parts)"
            let received = node.make(.entity(EntityOp(StockReceived(part: part, quantity: Quantity(1)))), on: warehouse.entity, now: now)
            try timeOne(received, key: StockLedger.Key(location: warehouse, part: part), now: now, store, into: &receipt)

            let van = i % (StockBench.locations - 5)
            let vanLocation = StockLocation(.van, "E\(van)")!
            let ticket = EntityID("T\(1 + (i * 1_999) % 100_000)-node-bench")!
            let added = tablets[van].make(
                .partAdded(PartLine(partNumber: part, quantity: Quantity(1), location: vanLocation.description)), on: ticket, now: now + 500)
            try timeOne(added, key: StockLedger.Key(location: vanLocation, part: part), now: now + 500, store, into: &partLine)
        }
        // The floor under any one-op apply: one row committed alone on the same disk, as the
        // store commits (WAL, synchronous = FULL), in the same run.
        var floor: [Double] = []
        do {
            var config = Configuration()
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL") }
            let raw = try DatabaseQueue(path: dir.file("floor.sqlite"), configuration: config)
            try raw.write { db in try db.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)") }
            for i in 0..<repetitions {
                floor.append(try seconds { try raw.write { db in try db.execute(sql: "INSERT INTO t (k, v) VALUES (?, 'x')", arguments: [i]) } })
            }
        }
        let bytes = ["", "-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: dir.file("replica.sqlite") + $0)[.size] as? Int }.reduce(0, +)

        // The same ops through the model: the store's lines must be its lines.
        print("checking the store's lines against the model's…", to: &err)
        var model = StockLedger()
        for (i, op) in StockBench.generate().enumerated() { model.apply(op, arrival: Int64(i)) }
        let modelLines = model.lines()
        guard modelLines == lines else {
            let differing = zip(modelLines, lines).filter { $0 != $1 }.count
            throw BenchError("the store's lines differ from the model's: \(lines.count) lines, the model's \(modelLines.count); \(differing) of the common positions differ")
        }

        func mb(_ bytes: Int) -> String { Format.fixed(Double(bytes) / 1_048_576, 1) }
        func ms(_ s: Double) -> String { Format.fixed(s * 1000, 3) }
        func verdict(_ ok: Bool) -> String { ok ? "PASS" : "BELOW" }
        let best = runs.min()!
        let added = rssPeak - rssLoaded
        let oneReceipt = median(zip(receipt.apply, receipt.line).map(+))
        let onePartLine = median(zip(partLine.apply, partLine.line).map(+))
        print("")
        print("FieldSync stock benchmark: the ledger as the store keeps it (ReplicaStore: postings and each key's line in SQLite), a process of its own")
        print("workload: the same \(Format.grouped(count)) ops, applied to a node's store in batches of \(Format.grouped(batch)); \(Format.grouped(lines.count)) lines, \(negative) negative; store file \(mb(bytes)) MB")
        print("load every op (apply, \(Format.grouped(count / batch)) batches): \(Format.fixed(load, 1)) s   (\(Format.grouped(Int((Double(count) / load).rounded()))) ops/s)")
        print("reconcile every location and part: \(Format.fixed(best, 3)) s (best of 3: \(runs.map { Format.fixed($0, 3) }.joined(separator: " ")))   target ≤ 1 s   \(verdict(best <= 1))")
        print("one more receipt (warehouse), apply one op:    \(ms(median(receipt.apply))) ms (median of \(repetitions))")
        print("one more receipt, apply + that line:           \(ms(oneReceipt)) ms   target ≤ 1 ms   \(verdict(oneReceipt <= 0.001))")
        print("one more part line (ticket, van), apply one op: \(ms(median(partLine.apply))) ms (median of \(repetitions))")
        print("one more part line, apply + that line:         \(ms(onePartLine)) ms   target ≤ 1 ms   \(verdict(onePartLine <= 0.001))")
        print("floor: one row committed alone on this disk (WAL, synchronous = FULL): \(ms(median(floor))) ms (median of \(repetitions)); apply + line over it: receipt \(ms(oneReceipt - median(floor))) ms, part line \(ms(onePartLine - median(floor))) ms")
        print("resident memory: \(mb(rssStart)) MB at start, \(mb(rssLoaded)) MB after loading (the ops freed), peak \(mb(rssPeak)) MB during the reconciles (\(mb(rssAfter)) MB after, holding the lines)")
        print("  the reconcile adds \(mb(added)) MB (SQLite's page cache and sorts + the \(Format.grouped(lines.count)) lines built)   target ≤ 200 MB   \(verdict(added <= 200 * 1_048_576))")
        print("  the whole process at its reconcile peak: \(mb(rssPeak - rssStart)) MB over its start (adds what loading left resident: the writer's page cache, the heap the ops freed)")
        print("the store's lines equal the model's over the same ops: yes")
    }

    /// Generates the year and applies it in batches; the ops are freed on return.
    private static func load(into store: ReplicaStore) throws -> (count: Int, seconds: Double) {
        var err = StandardError()
        print("generating \(StockBench.ops) ops…", to: &err)
        let year = StockBench.generate()
        print("applying them to the store in batches of \(batch)…", to: &err)
        var inserted = 0
        var elapsed = 0.0
        var reported = 0
        for start in stride(from: 0, to: year.count, by: batch) {
            let page = Array(year[start..<min(start + batch, year.count)])
            elapsed += try seconds { inserted += try store.apply(page, now: after).inserted }
            if inserted - reported >= 100_000 {
                reported = inserted
                print("  \(Format.grouped(inserted)) ops, \(Format.fixed(elapsed, 1)) s (\(Format.grouped(Int(Double(inserted) / elapsed))) ops/s)", to: &err)
            }
        }
        guard inserted == year.count else { throw BenchError("the store took \(inserted) of \(year.count) ops") }
        return (year.count, elapsed)
    }

    private static func timeOne(
        _ op: Op, key: StockLedger.Key, now: UInt64, _ store: ReplicaStore, into times: inout (apply: [Double], line: [Double])
    ) throws {
        var inserted = 0
        times.apply.append(try seconds { inserted = try store.apply([op], now: now).inserted })
        guard inserted == 1 else { throw BenchError("the store did not take the one more op \(op.id)") }
        var line: [StockLedger.Line] = []
        times.line.append(try seconds { line = try store.stockLines(location: key.location, part: key.part) })
        guard line.count == 1, line[0].key == key else { throw BenchError("\(line.count) lines for \(key), not its one") }
    }

    private static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    private static func rss() -> Int { NodeMemory.field("VmRSS", pid: getpid()) ?? 0 }
    private static func peak() -> Int { NodeMemory.field("VmHWM", pid: getpid()) ?? 0 }

    /// Resets VmHWM to the current RSS (Linux: `5` to /proc/self/clear_refs).
    private static func resetPeak() {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return }
        handle.write(Data("5".utf8))
        try? handle.close()
    }

    /// glibc's `malloc_trim(0)`: freed heap back to the system (not in Swift's Glibc module).
    private static func trimHeap() {
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        typealias Trim = @convention(c) (Int) -> Int32
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }
}
