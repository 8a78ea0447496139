import Foundation

/// The scale of `Tools/bench depot`, from the environment:
/// FIELDSYNC_BENCH_DEPOT_ENGINEERS (default 200), FIELDSYNC_BENCH_DEPOT_PHOTO_EVERY (every
/// Nth engineer takes photos, default 5; 0: none), FIELDSYNC_BENCH_DEPOT_PHOTO_KB (the
/// largest photo, default 1,500 KB; the smallest is a tenth of it, at least 1 KB).
struct DepotShape {
    var engineers = 200
    var photoEvery = 5
    /// Photos per engineer who takes any.
    var photosPerEngineer = 1...3
    var photoBytes = 150_000...1_500_000
    var seed: UInt64 = 0x00F1_E1D5_0DE9_0001

    static func fromEnvironment() throws -> DepotShape {
        let environment = ProcessInfo.processInfo.environment
        func number(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = environment[name] else { return nil }
            guard let n = Int(text), range.contains(n) else { throw BenchError("\(name) must be a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'") }
            return n
        }
        var shape = DepotShape()
        if let n = try number("FIELDSYNC_BENCH_DEPOT_ENGINEERS", 1...5_000) { shape.engineers = n }
        if let n = try number("FIELDSYNC_BENCH_DEPOT_PHOTO_EVERY", 0...5_000) { shape.photoEvery = n }
        if let kb = try number("FIELDSYNC_BENCH_DEPOT_PHOTO_KB", 1...200_000) { shape.photoBytes = max(1_000, kb * 100)...(kb * 1_000) }
        return shape
    }
}
