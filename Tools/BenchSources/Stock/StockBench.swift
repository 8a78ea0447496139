import FieldModel
import Foundation

/// `Tools/bench stock` (issue 25, M7), first part: the model's ``StockLedger`` at the
/// issue's scale, in this process: a year of 500 parts at 50 locations, 1M movements and
/// part lines (receipts, transfers and their confirmations, returns, write-offs, counts,
/// part lines and removals of some), generated from a seed. Prints the time to take them
/// all in, to reconcile every location and part, the resident memory they hold, and the
/// time to take in one more movement and reconcile its line on the up-to-date ledger
/// (targets: reconcile ≤ 1 s, one more ≤ 1 ms, memory ≤ 200 MB). The ledger as the store
/// keeps it is ``StockStoreBench``, run first as a process of its own (its memory is then
/// its own) and printed after these figures.
/// `FIELDSYNC_BENCH_STOCK_OPS=N`: a year of N ops instead of 1M (both sections).
enum StockBench {
    static let parts = 500
    static let locations = 50
    static let ops = ProcessInfo.processInfo.environment["FIELDSYNC_BENCH_STOCK_OPS"].flatMap { Int($0) } ?? 1_000_000

    static func run() throws {
        var err = StandardError()
        let storeSection = try StockStoreBench.spawn()
        print("generating \(ops) ops…", to: &err)
        let rssBefore = NodeMemory.field("VmRSS", pid: getpid()) ?? 0
        let year = generate()
        let rssOps = NodeMemory.field("VmRSS", pid: getpid()) ?? 0
        var ledger = StockLedger()
        let build = seconds { for (i, op) in year.enumerated() { ledger.apply(op, arrival: Int64(i)) } }
        let rssLedger = NodeMemory.field("VmRSS", pid: getpid()) ?? 0
        var lines: [StockLedger.Line] = []
        let reconcile = seconds { lines = ledger.lines() }
        // One more movement on the up-to-date ledger, and its line reconciled: median of 101.
        var maker = OpMaker(clock: HybridClock(replica: ReplicaID("node-bench")!), nextCounter: 10_000_000)
        var times: [Double] = []
        for i in 0..<101 {
            let location = StockLocation(.warehouse, "W\(i % locations)")!
            let op = maker.make(.entity(EntityOp(StockReceived(part: "P\(i % parts)", quantity: Quantity(1)))), on: location.entity, now: 1_830_000_000_000)
            times.append(seconds {
                ledger.apply(op, arrival: Int64(year.count + i))
                _ = ledger.line(StockLedger.Key(location: location, part: "P\(i % parts)"))
            })
        }
        times.sort()
        let negative = lines.filter(\.isNegative).count
        print("FieldSync stock benchmark: the model's StockLedger (issue 25), in this process")
        print("workload: \(Format.grouped(year.count)) ops (movements and part lines) over one year, \(parts) parts × \(locations) locations; \(Format.grouped(lines.count)) lines, \(negative) negative")
        print("take in every op:                 \(Format.fixed(build, 3)) s")
        print("reconcile every location and part: \(Format.fixed(reconcile, 3)) s   target ≤ 1 s   \(reconcile <= 1 ? "PASS" : "BELOW")")
        let one = times[times.count / 2] * 1000
        print("one more movement, its line again: \(Format.fixed(one, 3)) ms (median of 101)   target ≤ 1 ms   \(one <= 1 ? "PASS" : "BELOW")")
        let held = Double(rssLedger - rssOps) / 1_048_576
        print("resident memory: \(Format.fixed(Double(rssOps - rssBefore) / 1_048_576, 1)) MB for the ops themselves, \(Format.fixed(held, 1)) MB more for the ledger   target ≤ 200 MB   \(held <= 200 ? "PASS" : "BELOW")")
        print(storeSection, terminator: "")
    }

    /// A seeded year: per day, receipts at warehouses, transfers to vans (most confirmed,
    /// some short), returns, write-offs, counts, and part lines on tickets (some removed).
    static func generate() -> [Op] {
        var rng = SplitMix64(seed: 25)
        var out: [Op] = []
        out.reserveCapacity(ops)
        var node = OpMaker(clock: HybridClock(replica: ReplicaID("node-bench")!))
        var tablets = (0..<locations).map { OpMaker(clock: HybridClock(replica: ReplicaID("e\($0)-tab")!)) }
        let start: UInt64 = 1_795_424_400_000
        var pendingTransfers: [(Op, Int)] = []
        var nextConfirmed = 0
        var lines: [Op] = []
        var now = start
        while out.count < ops {
            now += 31_000
            let part = "P\(rng.next() % UInt64(parts))"
            let van = Int(rng.next() % UInt64(locations - 5))
            let vanLocation = StockLocation(.van, "E\(van)")!
            let warehouse = StockLocation(.warehouse, "W\(rng.next() % 5)")!
            let q = Quantity(Int64(1 + rng.next() % 10))
            switch rng.next() % 20 {
            case 0, 1: out.append(node.make(.entity(EntityOp(StockReceived(part: part, quantity: Quantity(50)))), on: warehouse.entity, now: now))
            case 2, 3, 4:
                let id = StockTransfer.id(sentBy: OpID(replica: node.replica, counter: node.nextCounter))
                let op = node.make(.entity(EntityOp(StockSent(part: part, quantity: q, from: warehouse, to: vanLocation))), on: id, now: now)
                out.append(op)
                pendingTransfers.append((op, van))
            case 5, 6:
                guard nextConfirmed < pendingTransfers.count else { continue }
                let (sent, van) = pendingTransfers[nextConfirmed]
                nextConfirmed += 1
                out.append(tablets[van].make(.entity(EntityOp(StockArrived(quantity: Quantity(Int64(rng.next() % 10))))), on: sent.subject, now: now))
            case 7:
                let id = StockTransfer.id(sentBy: OpID(replica: tablets[van].replica, counter: tablets[van].nextCounter))
                out.append(tablets[van].make(.entity(EntityOp(StockSent(part: part, quantity: Quantity(1), from: vanLocation, to: warehouse, purpose: .return))), on: id, now: now))
            case 8: out.append(tablets[van].make(.entity(EntityOp(StockWrittenOff(part: part, quantity: Quantity(1), reason: "broken"))), on: vanLocation.entity, now: now))
            case 9: out.append(tablets[van].make(.entity(EntityOp(StockCounted(part: part, quantity: q, at: now))), on: vanLocation.entity, now: now))
            case 10:
                guard !lines.isEmpty else { continue }
                let line = lines[Int(rng.next() % UInt64(lines.count))]
                out.append(tablets[van].make(.partRemoved(PartRemoval(line: line.id)), on: line.subject, now: now))
            default:
                let ticket = EntityID("T\(1 + rng.next() % 100_000)-node-bench")!
                let op = tablets[van].make(.partAdded(PartLine(partNumber: part, quantity: Quantity(1), location: vanLocation.description)), on: ticket, now: now)
                out.append(op)
                lines.append(op)
            }
        }
        return out
    }
}
