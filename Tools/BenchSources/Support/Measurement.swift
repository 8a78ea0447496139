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

extension Measurement {
    /// `self`'s rate over `baseline`'s, run by run (runs taken side by side, so a burst of
    /// load hits both of a pair alike), the median of those: a best of one against a
    /// lucky best of the other can swing a best ÷ best ratio by a fifth here.
    func medianRatio(over baseline: Measurement) -> Double {
        let ratios = zip(runs, baseline.runs).map { $1 / $0 }.sorted()
        guard !ratios.isEmpty else { return .nan }
        let mid = ratios.count / 2
        return ratios.count % 2 == 1 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2
    }
}
