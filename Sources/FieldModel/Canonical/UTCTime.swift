/// Formats Unix milliseconds as ISO 8601 UTC (`2026-11-23T09:14:05Z`) without reading
/// any clock or time zone: the civil-from-days algorithm of H. Hinnant.
public enum UTCTime {
    public static func iso8601(millis: UInt64) -> String {
        let seconds = Int64(millis / 1000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }

    /// Parses `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SSZ` into Unix ms; nil for
    /// anything else, a date that does not exist, or one before 1970 or after 9999.
    public static func millis(parsing text: String) -> UInt64? {
        let s = Array(text.utf8)
        guard s.count == 10 || (s.count == 20 && s[10] == UInt8(ascii: "T") && s[19] == UInt8(ascii: "Z")) else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in range {
                guard s[i] >= UInt8(ascii: "0"), s[i] <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int64(s[i] - UInt8(ascii: "0"))
            }
            return v
        }
        guard s[4] == UInt8(ascii: "-"), s[7] == UInt8(ascii: "-"), let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            year >= 1970, (1...12).contains(month)
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(month - 1)]
        guard (1...Int64(days)).contains(day) else { return nil }
        var seconds: Int64 = 0
        if s.count == 20 {
            guard s[13] == UInt8(ascii: ":"), s[16] == UInt8(ascii: ":"), let h = number(11..<13), let m = number(14..<16), let sec = number(17..<19),
                h < 24, m < 60, sec < 60
            else { return nil }
            seconds = h * 3600 + m * 60 + sec
        }
        // Days from civil (H. Hinnant), the inverse of iso8601's.
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let epochDays = era * 146_097 + doe - 719_468
        return UInt64(epochDays * 86_400 + seconds) * 1000
    }
}
