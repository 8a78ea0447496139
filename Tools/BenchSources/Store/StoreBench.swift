import FieldModel

/// `fieldsync-bench store`: how many ops per second `ReplicaStore.apply` takes in,
/// against a raw GRDB insert of the same rows (see ``StoreApply`` and ``RawInsert``).
///
/// The three measurements run in turn, `runs` rounds, so slow spells of a shared
/// machine spread over all of them; each reports its best run.
enum StoreBench {
    static let runs = 3
    static let pageSize = 1_000
    /// The store should take in ops at no less than this fraction of the raw insert rate.
    static let target = 0.3

    static func run() throws {
        var workload: Workload?
        let generation = seconds { workload = Workload.generate(.standard) }
        let w = workload!
        printHeader(w, generation: generation)

        let n = w.ops.count
        var paged = Measurement("store.apply, pages of \(Format.grouped(pageSize))", ops: n)
        var single = Measurement("store.apply, one batch", ops: n)
        var raw = Measurement("raw GRDB insert, one transaction", ops: n)
        let rawRows = RawInsert(w.ops)
        for round in 1...runs {
            progress("round \(round) of \(runs)")
            paged.add(try StoreApply.run(w, pageSize: pageSize, verify: round == 1))
            single.add(try StoreApply.run(w, pageSize: n, verify: false))
            raw.add(try rawRows.run())
        }

        print(Measurement.header)
        for m in [paged, single, raw] { print(m.row) }
        print("")
        print("store/raw = store ops/s ÷ raw ops/s; pages run one transaction each, as sync delivers them")
        for m in [paged, single] {
            let ratio = m.opsPerSecond / raw.opsPerSecond
            let verdict = ratio >= target ? "PASS" : "BELOW"
            print(
                "\(Format.left(m.name, 34)) \(Format.fixed(ratio, 2))× raw   target ≥ \(Format.fixed(target, 1))× raw   \(verdict)"
            )
        }
    }

    private static func printHeader(_ w: Workload, generation: Double) {
        let s = w.shape
        print("FieldSync store benchmark: ReplicaStore.apply vs. a raw GRDB insert of the same rows")
        print(
            "workload: \(Format.grouped(w.ops.count)) ops on \(Format.grouped(w.tickets.count)) tickets "
                + "(\(s.opsPerTicket) ops each on average, \(s.engineers * s.openPerEngineer) open at a time), "
                + "seed 0x\(String(s.seed, radix: 16)), made in \(Format.fixed(generation, 2)) s")
        print("replicas: " + w.replicas.map(\.rawValue).joined(separator: ", "))
        print("mix: " + w.mix.map { "\($0.label) \(Format.fixed($0.share * 100, 1))%" }.joined(separator: ", "))
        print("best of \(runs) runs each (a shared machine: noise only adds time), rounds interleaved")
        print("")
    }

    private static func progress(_ text: String) {
        var err = StandardError()
        print("... \(text)", to: &err)
    }
}
