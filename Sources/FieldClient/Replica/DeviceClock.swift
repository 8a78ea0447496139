import Foundation

/// The device's wall clock in Unix milliseconds.
public enum DeviceClock {
    public static func nowMillis() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }
}
