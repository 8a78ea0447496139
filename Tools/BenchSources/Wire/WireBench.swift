import FieldModel
import FieldWire
import Foundation

/// `fieldsync-bench wire`: the size and speed of our frames on a field engineer's day
/// and a depot's shift end, beside Loro and Yrs on the same workload, and the content
/// floor (the day's free text and hashes alone, zstd'ed).
///
/// Sizes: the *day delta* is what a tablet pushes at shift end, the ops it made that
/// day (the tickets were created at central and pulled in the morning). Ours is one
/// push frame; a peer's is its incremental update since the morning version. Every
/// zstd figure in the table is level 3 through the same libzstd (FieldWire's `Zstd`);
/// peers.py's python-zstandard figures are printed as a cross-check.
enum WireBench {
    static let runs = 3
    static let minimumSeconds = 0.5
    /// Our zstd'ed day delta must be at most this fraction of the smaller peer's.
    static let sizeTarget = 0.75
    static let speedTarget = 1_000_000.0

    static let workloadPath = ".build-bench/wire-workload.json"
    static let peersScript = "Tools/bench-peers/peers.py"
    static let defaultPython = ".build-bench/venv/bin/python"

    static func run() throws {
        var generated: ShiftWorkload?
        let generation = seconds { generated = ShiftWorkload.generate(.standard) }
        let w = generated!
        let totalOps = w.dayOpCount
        let day = w.days[0]

        progress("writing \(workloadPath)")
        try PeerWorkloadFile(w).write(to: workloadPath)
        let python = ProcessInfo.processInfo.environment["FIELDSYNC_BENCH_PYTHON"] ?? defaultPython
        var peers: PeerResults?
        var peersProblem = ""
        do {
            progress("running \(peersScript) with \(python) (Loro, Yrs)")
            peers = try PeerResults.run(python: python, script: peersScript, workload: workloadPath)
        } catch {
            peersProblem = "\(error)"
        }

        // Our frames, one push per engineer, and all days in one frame.
        progress("encoding and timing our frames")
        let frames = w.days.map { Frame.encode([.push(Push(ops: $0.ops))], compress: true) }
        let rawFrames = w.days.map { Frame.encode([.push(Push(ops: $0.ops))], compress: false) }
        for (d, frame) in zip(w.days, frames) {
            guard try Frame.decode(frame) == [.push(Push(ops: d.ops))] else {
                throw BenchError("engineer \(d.engineer)'s frame does not decode to the ops it was made from")
            }
        }
        let allOps = w.days.flatMap(\.ops)
        let oneFrame = Frame.encode([.push(Push(ops: allOps))], compress: true)
        let oneFrameRaw = Frame.encode([.push(Push(ops: allOps))], compress: false)
        let floors = w.days.map { Zstd.compress($0.content, level: 3).count }

        let ours = Sizes(
            dayRaw: rawFrames[0].count, dayZstd: frames[0].count, shiftZstd: frames.reduce(0) { $0 + $1.count })
        let floor = Sizes(dayRaw: day.content.count, dayZstd: floors[0], shiftZstd: floors.reduce(0, +))

        var encode = Timing("ours encode (zstd'ed frames)", ops: totalOps)
        var decode = Timing("ours decode (zstd'ed frames)", ops: totalOps)
        var encodeRaw = Timing("ours encode (uncompressed)", ops: totalOps)
        var decodeRaw = Timing("ours decode (uncompressed)", ops: totalOps)
        var decodeApply = Timing("ours decode zstd'ed + apply", ops: totalOps)
        try timePasses(&encode) {
            var n = 0
            for d in w.days { n &+= Frame.encode([.push(Push(ops: d.ops))], compress: true).count }
            return n
        }
        try timePasses(&decode) {
            var n = 0
            for f in frames { n &+= try Frame.decode(f).count }
            return n
        }
        try timePasses(&encodeRaw) {
            var n = 0
            for d in w.days { n &+= Frame.encode([.push(Push(ops: d.ops))], compress: false).count }
            return n
        }
        try timePasses(&decodeRaw) {
            var n = 0
            for f in rawFrames { n &+= try Frame.decode(f).count }
            return n
        }
        try timePasses(&decodeApply) {
            var n = 0
            for (d, f) in zip(w.days, frames) {
                var tickets = d.morningTickets
                for m in try Frame.decode(f) {
                    guard case .push(let p) = m else { continue }
                    for op in p.ops { tickets[op.subject]?.apply(op) }
                }
                n &+= tickets.count
            }
            return n
        }

        // Report.
        printHeader(w, generation: generation, peers: peers, peersProblem: peersProblem)
        var rows: [Row] = [
            Row(name: "ours", sizes: ours, encode: encode.opsPerSecond, decode: decode.opsPerSecond)
        ]
        var peerSizes: [(name: String, sizes: Sizes)] = []
        if let peers {
            for p in peers.peers {
                let updates = try p.updates.map { b64 -> [UInt8] in
                    guard let data = Data(base64Encoded: b64) else { throw BenchError("\(p.name): bad base64 update") }
                    return [UInt8](data)
                }
                let zstd = updates.map { Zstd.compress($0, level: 3).count }
                let sizes = Sizes(dayRaw: updates[0].count, dayZstd: zstd[0], shiftZstd: zstd.reduce(0, +))
                peerSizes.append((p.name, sizes))
                rows.append(
                    Row(
                        name: p.name, sizes: sizes, encode: Double(totalOps) / p.exportSeconds,
                        decode: Double(totalOps) / p.mergeSeconds))
            }
        }
        rows.append(Row(name: "content floor", sizes: floor, encode: nil, decode: nil))
        print(Row.header)
        for r in rows { print(r.line(floor: floor, ops: totalOps)) }
        print("")
        print("day = engineer 1's day delta (\(day.ops.count) ops); ×floor = day zstd ÷ the floor's day zstd;")
        print("shift-end zstd = \(w.days.count) engineers' day deltas, each zstd'ed alone, summed; B/op = that ÷ \(Format.grouped(totalOps)) ops.")
        print("ours encode/decode: Frame.encode / Frame.decode of zstd'ed push frames (zstd included);")
        print("peers encode: export of the update since the morning version; decode: import into a replica holding the")
        print("morning state (merge); both over all \(w.days.count) engineers, best of \(runs) runs of ≥ \(minimumSeconds) s.")
        print("")

        // Targets.
        if let smaller = peerSizes.min(by: { $0.sizes.dayZstd < $1.sizes.dayZstd }) {
            let ratio = Double(ours.dayZstd) / Double(smaller.sizes.dayZstd)
            print(
                "ours zstd ÷ smaller peer zstd = \(Format.fixed(ratio, 2)) (target ≤ \(Format.fixed(sizeTarget, 2)))   "
                    + "\(verdict(ratio <= sizeTarget))   [day: ours \(Format.grouped(ours.dayZstd)) B, \(smaller.name) \(Format.grouped(smaller.sizes.dayZstd)) B]"
            )
        } else {
            print("ours zstd ÷ smaller peer zstd = n/a (target ≤ \(Format.fixed(sizeTarget, 2)))   peers did not run")
        }
        print(
            "encode ≥ 1M ops/s: \(Format.grouped(Int(encode.opsPerSecond.rounded()))) ops/s   \(verdict(encode.opsPerSecond >= speedTarget))"
        )
        print(
            "decode ≥ 1M ops/s: \(Format.grouped(Int(decode.opsPerSecond.rounded()))) ops/s   \(verdict(decode.opsPerSecond >= speedTarget))"
        )
        print("")

        // Details.
        print("details")
        print(
            "  ours, all \(w.days.count) days in one push frame: \(Format.grouped(oneFrameRaw.count)) B raw, "
                + "\(Format.grouped(oneFrame.count)) B zstd (\(Format.fixed(Double(oneFrame.count) / Double(totalOps), 2)) B/op)")
        if let peers {
            for (p, s) in zip(peers.peers, peerSizes) {
                let shiftRatio = Double(ours.shiftZstd) / Double(s.sizes.shiftZstd)
                print(
                    "  \(p.name) (\(p.package)): \(w.days.count) updates concatenated, one zstd: \(Format.grouped(p.concatZstd)) B "
                        + "(python-zstandard); ours ÷ \(p.name) at shift end \(Format.fixed(shiftRatio, 2))")
                print(
                    "    merge \(Format.fixed(p.mergeSeconds / Double(w.days.count) * 1e6, 1)) µs per engineer, "
                        + "\(Format.fixed(p.mergeSeconds * 1e3, 1)) ms for \(w.days.count) engineers; export "
                        + "\(Format.fixed(p.exportSeconds * 1e3, 1)) ms for \(w.days.count) (best runs: \(p.mergePasses) and \(p.exportPasses) passes)"
                )
                print(
                    "    python-zstandard level 3: day \(Format.grouped(p.zstd[0])) B, shift end \(Format.grouped(p.zstd.reduce(0, +))) B"
                )
            }
            let floorShares = peerSizes.map {
                "\($0.name) \(Format.fixed(Double(floor.dayZstd) / Double($0.sizes.dayZstd), 2))×"
            }
            print("  content floor ÷ peer's day update (zstd): " + floorShares.joined(separator: ", "))
            print(
                "  content floor with \(peers.zstandard): day \(Format.grouped(peers.floorZstd[0])) B, "
                    + "shift end \(Format.grouped(peers.floorZstd.reduce(0, +))) B (libzstd here: \(Format.grouped(floor.dayZstd)) / \(Format.grouped(floor.shiftZstd)))"
            )
        }
        print("")
        print("  " + Timing.header)
        for m in [encode, decode, encodeRaw, decodeRaw, decodeApply] { print("  " + m.row) }
        print("")
        printBreakdown(w, ours: ours, floor: floor)
    }

    // MARK: where the bytes go

    /// Our shift-end zstd size with one thing taken out at a time: what each costs per op.
    private static func printBreakdown(_ w: ShiftWorkload, ours: Sizes, floor: Sizes) {
        let ops = Double(w.dayOpCount)
        func size(_ transform: (Op) -> Op) -> (raw: Int, zstd: Int) {
            var raw = 0
            var zstd = 0
            for d in w.days {
                let payload = Frame.encode([.push(Push(ops: d.ops.map(transform)))], compress: false)
                raw += payload.count
                zstd += Zstd.compress(Array(payload[6...]), level: 3).count + 6
            }
            return (raw, zstd)
        }
        let full = size { $0 }
        let variants: [(String, (Op) -> Op)] = [
            ("free text (notes, values, captions, reasons, signers)", Ablation.withoutText),
            ("hashes (photo, signature, summary: 32 B each)", Ablation.withoutHashes),
            ("predecessor lists (after, replaces)", Ablation.withoutPredecessors),
            ("times (stamp wall deltas, device times)", Ablation.withoutTimes),
            ("payloads altogether (headers only)", Ablation.headersOnly),
        ]
        print("where our shift-end bytes go: each line takes one thing out of every op and re-encodes")
        print(
            "  " + Format.left("taken out", 56) + Format.right("raw B/op", 10) + Format.right("zstd B/op", 11)
                + Format.right("share of zstd", 15))
        print(
            "  " + Format.left("(nothing: ours as is)", 56) + Format.right(Format.fixed(Double(full.raw) / ops, 2), 10)
                + Format.right(Format.fixed(Double(full.zstd) / ops, 2), 11) + Format.right("100%", 15))
        for (label, transform) in variants {
            let s = size(transform)
            let dRaw = Double(full.raw - s.raw) / ops
            let dZstd = Double(full.zstd - s.zstd) / ops
            print(
                "  " + Format.left(label, 56) + Format.right(Format.fixed(dRaw, 2), 10)
                    + Format.right(Format.fixed(dZstd, 2), 11)
                    + Format.right(Format.fixed(100 * Double(full.zstd - s.zstd) / Double(full.zstd), 1) + "%", 15))
        }
        let over = Double(ours.shiftZstd - floor.shiftZstd) / ops
        print(
            "  overhead over the content floor: (ours − floor) ÷ ops = \(Format.fixed(over, 2)) B/op zstd'ed "
                + "(\(Format.grouped(ours.shiftZstd)) − \(Format.grouped(floor.shiftZstd)) B over \(Format.grouped(w.dayOpCount)) ops)"
        )
    }

    // MARK: helpers

    /// Times `pass` (one pass over all engineers, `m.ops` ops): after one untimed pass,
    /// `runs` runs that each repeat it until at least `minimumSeconds` have passed.
    /// `pass` returns a number derived from its work so the optimiser cannot drop it.
    private static func timePasses(_ m: inout Timing, _ pass: () throws -> Int) throws {
        var sink = try pass()
        for _ in 0..<runs {
            var passes = 0
            let clock = ContinuousClock()
            let start = clock.now
            var elapsed = 0.0
            while elapsed < minimumSeconds {
                sink &+= try pass()
                passes += 1
                let (s, atto) = (clock.now - start).components
                elapsed = Double(s) + Double(atto) / 1e18
            }
            m.add(passes: passes, seconds: elapsed)
        }
        if sink == Int.min { print("") }
    }

    private static func verdict(_ ok: Bool) -> String { ok ? "PASS" : "BELOW" }

    private static func printHeader(_ w: ShiftWorkload, generation: Double, peers: PeerResults?, peersProblem: String) {
        let day = w.days[0]
        print("FieldSync wire benchmark: our frames vs. Loro and Yrs on a field engineer's day and a depot's shift end")
        print(
            "workload: \(w.days.count) engineers × \(w.shape.ticketsPerEngineer) tickets, \(Format.grouped(w.dayOpCount)) day ops "
                + "(\(Format.fixed(Double(w.dayOpCount) / Double(w.days.count), 1)) per engineer), seed 0x\(String(w.shape.seed, radix: 16)), "
                + "made in \(Format.fixed(generation, 2)) s")
        var kinds: [String: Int] = [:]
        for op in day.ops {
            let label =
                switch op.body {
                case .attachmentAdded(let a): "\(a.kind)"
                case .lifecycle(let e) where e.kind == .arrived: "arrival"
                default: "\(op.body.kind)"
                }
            kinds[label, default: 0] += 1
        }
        print(
            "day: engineer 1 (\(day.replica)), \(day.ops.count) ops: "
                + kinds.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        if let peers {
            print(
                "peers: " + peers.peers.map(\.package).joined(separator: ", ")
                    + " (Python \(peers.python)); hashes stored as \(peers.peers.first?.hashes ?? "?"); workload in \(workloadPath)")
        } else {
            print("peers: not run (\(peersProblem))")
        }
        print("zstd: level 3, one libzstd (FieldWire) for every row below")
        print("")
    }

    private static func progress(_ text: String) {
        var err = StandardError()
        print("... \(text)", to: &err)
    }
}

extension WireBench {
    /// Byte sizes of one row.
    struct Sizes {
        let dayRaw: Int
        let dayZstd: Int
        let shiftZstd: Int
    }

    /// One row of the report table.
    fileprivate struct Row {
        let name: String
        let sizes: Sizes
        let encode: Double?
        let decode: Double?

        static let header =
            Format.left("", 14) + Format.right("day raw", 9) + Format.right("day zstd", 10) + Format.right("×floor", 8)
            + Format.right("shift-end zstd", 16) + Format.right("B/op", 7) + Format.right("encode ops/s", 14)
            + Format.right("decode(merge) ops/s", 21)

        func line(floor: Sizes, ops: Int) -> String {
            func rate(_ x: Double?) -> String { x.map { Format.grouped(Int($0.rounded())) } ?? "—" }
            return Format.left(name, 14) + Format.right(Format.grouped(sizes.dayRaw), 9)
                + Format.right(Format.grouped(sizes.dayZstd), 10)
                + Format.right(Format.fixed(Double(sizes.dayZstd) / Double(floor.dayZstd), 2), 8)
                + Format.right(Format.grouped(sizes.shiftZstd), 16)
                + Format.right(Format.fixed(Double(sizes.shiftZstd) / Double(ops), 2), 7)
                + Format.right(rate(encode), 14) + Format.right(rate(decode), 21)
        }
    }

    /// Runs of a timed pass over the whole shift end: each run repeats the pass until it has
    /// taken at least `WireBench.minimumSeconds`; the fastest run is the one reported (on a
    /// shared machine, noise only ever adds time).
    struct Timing {
        let name: String
        /// Ops in one pass.
        let ops: Int
        private(set) var runs: [(passes: Int, seconds: Double)] = []

        init(_ name: String, ops: Int) {
            self.name = name
            self.ops = ops
        }

        mutating func add(passes: Int, seconds: Double) { runs.append((passes, seconds)) }

        private var rates: [Double] { runs.map { Double(ops * $0.passes) / $0.seconds } }
        var opsPerSecond: Double { rates.max() ?? .nan }

        static let header =
            Format.left("measurement", 30) + Format.right("ops/pass", 9) + Format.right("passes", 8)
            + Format.right("seconds", 9) + Format.right("ops/s", 11) + "   all runs (ops/s)"

        var row: String {
            let best = rates.indices.max { rates[$0] < rates[$1] }!
            return Format.left(name, 30) + Format.right(Format.grouped(ops), 9)
                + Format.right(String(runs[best].passes), 8) + Format.right(Format.fixed(runs[best].seconds, 3), 9)
                + Format.right(Format.grouped(Int(opsPerSecond.rounded())), 11) + "   "
                + rates.map { Format.grouped(Int($0.rounded())) }.joined(separator: " ")
        }
    }
}
