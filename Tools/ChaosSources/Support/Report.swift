import Foundation

/// Output: figures and findings on standard output, progress on standard error.
enum Say {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func progress(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func seconds(_ since: Date) -> String { String(format: "%.1f s", Date().timeIntervalSince(since)) }
}

/// What a campaign found: each finding is one line a person can act on.
final class Findings: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var items: [String] = []

    func add(_ finding: String) { lock.withLock { items.append(finding) } }
    var all: [String] { lock.withLock { items } }
    var count: Int { lock.withLock { items.count } }

    /// Prints the findings (the first 400) and the campaign's verdict; true when there are none.
    func verdict(_ campaign: String) -> Bool {
        let all = self.all
        if !all.isEmpty {
            Say.line("findings (\(all.count)):")
            for f in all.prefix(400) { Say.line("  - \(f)") }
            if all.count > 400 { Say.line("  … and \(all.count - 400) more") }
        }
        Say.line("chaos \(campaign): \(all.isEmpty ? "PASS" : "FAIL (\(all.count) findings)")")
        return all.isEmpty
    }
}

/// A failure of the harness itself (not a finding about the node or the client).
struct ChaosError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
