/// Wall time of `body`, in seconds, on the monotonic clock.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let (s, atto) = try ContinuousClock().measure(body).components
    return Double(s) + Double(atto) / 1e18
}

/// Repeated timings of one measurement of `ops` ops. The best run is the one reported:
/// on a shared machine, noise only ever adds time.
struct Measurement {
    let name: String
    let ops: Int
    private(set) var runs: [Double] = []

    init(_ name: String, ops: Int) {
        self.name = name
        self.ops = ops
    }

    mutating func add(_ seconds: Double) { runs.append(seconds) }

    var best: Double { runs.min() ?? .nan }
    var opsPerSecond: Double { Double(ops) / best }

    static let header =
        Format.left("measurement", 34) + Format.right("ops", 9) + Format.right("seconds", 10)
        + Format.right("ops/s", 11) + "   all runs (s)"

    var row: String {
        Format.left(name, 34) + Format.right(Format.grouped(ops), 9) + Format.right(Format.fixed(best, 3), 10)
            + Format.right(Format.grouped(Int(opsPerSecond.rounded())), 11) + "   "
            + runs.map { Format.fixed($0, 3) }.joined(separator: " ")
    }
}
