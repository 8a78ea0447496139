import Foundation

/// The node process's memory, from `/proc/<pid>/status` (Linux).
enum NodeMemory {
    /// A `kB` field of `/proc/<pid>/status` (`VmRSS`, `VmHWM`, …), in bytes.
    static func field(_ name: String, pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let number = line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            return number.map { $0 * 1024 }
        }
        return nil
    }

    /// Samples `VmRSS` of `pid` every `interval` while `body` runs; returns what `body`
    /// returned, the highest sample and the number of samples.
    static func sampling<T: Sendable>(
        pid: Int32, every interval: Duration = .milliseconds(20), _ body: () async throws -> T
    ) async throws -> (T, peak: Int, samples: Int) {
        let sampler = Task {
            var peak = 0
            var samples = 0
            while !Task.isCancelled {
                if let rss = field("VmRSS", pid: pid) {
                    peak = max(peak, rss)
                    samples += 1
                }
                try? await Task.sleep(for: interval)
            }
            return (peak, samples)
        }
        let result: T
        do { result = try await body() } catch {
            sampler.cancel()
            throw error
        }
        sampler.cancel()
        let (peak, samples) = await sampler.value
        return (result, peak, samples)
    }
}
