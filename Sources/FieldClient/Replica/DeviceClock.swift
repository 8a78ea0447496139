import Foundation

/// The device's wall clock in Unix milliseconds.
public enum DeviceClock {
    /// Test hook: shifts the device clock by this many ms, to play a device whose clock
    /// is off (integration tests of clock-offset handling).
    public static let skewVariable = "FIELDSYNC_TEST_CLOCK_SKEW_MS"

    public static func nowMillis() -> UInt64 {
        let skew = Int64(ProcessInfo.processInfo.environment[skewVariable] ?? "") ?? 0
        return UInt64(max(0, Int64(Date().timeIntervalSince1970 * 1000) + skew))
    }
}
