import Foundation

/// The device's wall clock in Unix milliseconds.
public enum DeviceClock {
    /// Test hook, read by debug builds only (a release binary's clock is never shifted by
    /// the environment): shifts the device clock by this many ms, to play a device whose
    /// clock is off (integration tests of clock-offset handling).
    public static let skewVariable = "FIELDSYNC_TEST_CLOCK_SKEW_MS"

    public static func nowMillis() -> UInt64 {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        #if DEBUG
            // Clamped to ±100 years so no value of the variable can overflow.
            let skew = max(-3_155_760_000_000, min(3_155_760_000_000, Int64(ProcessInfo.processInfo.environment[skewVariable] ?? "") ?? 0))
            return UInt64(max(0, now + skew))
        #else
            return UInt64(max(0, now))
        #endif
    }
}
