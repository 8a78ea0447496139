/// Search times in milliseconds, and the percentiles the targets are stated in.
struct KBLatency {
    private(set) var milliseconds: [Double] = []

    mutating func add(_ ms: Double) { milliseconds.append(ms) }
    mutating func add(_ other: KBLatency) { milliseconds += other.milliseconds }

    var count: Int { milliseconds.count }

    /// The nearest-rank percentile: the smallest time at or above which `p` of the times lie.
    func percentile(_ p: Double) -> Double {
        let sorted = milliseconds.sorted()
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((Double(sorted.count) * p).rounded(.up))
        return sorted[min(sorted.count - 1, max(rank, 1) - 1)]
    }

    var p50: Double { percentile(0.5) }
    var p99: Double { percentile(0.99) }
}

/// Milliseconds `body` took, on the monotonic clock.
func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    try seconds(body) * 1000
}
