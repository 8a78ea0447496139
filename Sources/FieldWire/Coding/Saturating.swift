/// Doubles to wire integers without a trap. Positions decoded from hostile bytes can be
/// anywhere in ±2^63 (and accuracies up to 2^64) before the model refuses them, and a
/// store re-encodes what it decoded: `Int64(2^63 as Double)` would trap there.
enum Saturating {
    static func int64(_ d: Double) -> Int64 {
        guard d.isFinite else { return d.isNaN ? 0 : (d < 0 ? .min : .max) }
        if d >= 9_223_372_036_854_775_807.0 { return .max }
        if d <= -9_223_372_036_854_775_808.0 { return .min }
        return Int64(d)
    }

    static func uint64(_ d: Double) -> UInt64 {
        guard d.isFinite, d > 0 else { return d == .infinity ? .max : 0 }
        if d >= 18_446_744_073_709_551_615.0 { return .max }
        return UInt64(d)
    }
}
