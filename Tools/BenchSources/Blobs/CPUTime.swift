import Foundation

/// Time a process's threads spent on a CPU, in seconds, from `/proc/<pid>/task/*/schedstat`
/// (Linux, nanoseconds; threads that ended before the second reading are not counted).
enum CPUTime {
    static func of(pid: Int32) -> Double {
        let tasks = "/proc/\(pid)/task"
        guard let ids = try? FileManager.default.contentsOfDirectory(atPath: tasks) else { return 0 }
        var total: UInt64 = 0
        for id in ids {
            guard let text = try? String(contentsOfFile: "\(tasks)/\(id)/schedstat", encoding: .utf8),
                let first = text.split(separator: " ").first, let ns = UInt64(first)
            else { continue }
            total += ns
        }
        return Double(total) / 1e9
    }
}
