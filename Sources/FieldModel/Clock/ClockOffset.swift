/// A device's clock as it reported it, checked into a range where arithmetic on it cannot
/// trap: a hello's clock is any 64-bit number an outsider chose.
public enum ClockOffset {
    /// The latest wall time a clock may report: the end of year 9999 (Unix ms). Anything
    /// past it is not a clock but garbage, and is refused.
    public static let latestWallMillis: UInt64 = 253_402_300_799_000

    /// `local − remote` in ms, or nil if either clock is out of range. Both fit in 48
    /// bits, so the difference cannot overflow.
    public static func between(local: UInt64, remote: UInt64) -> Int64? {
        guard local <= latestWallMillis, remote <= latestWallMillis else { return nil }
        return Int64(local) - Int64(remote)
    }

    /// An offset as a person reads it ("12 min slow"): its magnitude in whole minutes,
    /// safe for every stored value (`abs(Int64.min)` traps; `magnitude` does not).
    public static func minutes(_ offset: Int64) -> UInt64 { offset.magnitude / 60_000 }
}
