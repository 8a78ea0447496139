import FieldTestSupport
import Foundation

/// The real `fieldsync-node serve` on 127.0.0.1, which the harness may kill -9 and
/// restart on the same data folder and port.
final class ChaosNode: @unchecked Sendable {
    // @unchecked: used from the campaign's one thread only (the input matrix's
    // concurrent requests use `port`, which is fixed after start).
    let data: String
    private(set) var extraArgs: [String]
    private(set) var port = 0
    private(set) var child: Child?
    private(set) var starts = 0
    var url: String { "http://127.0.0.1:\(port)" }
    var logPath: String { data + ".log" }

    /// Starts the node on `data` on a free port.
    init(data: String, extraArgs: [String] = []) throws {
        self.data = data
        self.extraArgs = extraArgs
        try start(port: 0)
    }

    /// Whether `serve --help` lists `flag` (hidden limits some builds have).
    static func serveSupports(_ flag: String) -> Bool {
        (try? Bin.run("fieldsync-node", ["serve", "--help-hidden"]))?.stdout.contains(flag) == true
            || (try? Bin.run("fieldsync-node", ["serve", "--help"]))?.stdout.contains(flag) == true
    }

    private func start(port: Int) throws {
        let child = try Child(
            "fieldsync-node", ["serve", "--data", data, "--host", "127.0.0.1", "--port", "\(port)"] + extraArgs,
            outPath: data + ".out", errPath: logPath, appendErr: true)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let out = child.stdout
            if let line = out.split(separator: "\n").first(where: { $0.contains("listening on ") }),
                let found = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) })
            {
                self.port = found
                self.child = child
                starts += 1
                return
            }
            if !child.isRunning { break }
            usleep(10_000)
        }
        child.kill9()
        throw ChaosError("the node did not start on port \(port): \(tail(child.stderr))")
    }

    /// kill -9: no chance to finish anything.
    func kill9() { child?.kill9() }

    /// SIGTERM, as an operator stops it.
    func stop() { child?.terminate() }

    var isRunning: Bool { child?.isRunning == true }

    /// Starts it again on the same data and port (the port may take a moment to free).
    /// If the port stays taken (another process got it), starts on a new one and returns
    /// true: whoever syncs with it must be told.
    @discardableResult
    func restart() throws -> Bool {
        if isRunning { kill9() }
        for _ in 0..<100 {
            if (try? start(port: port)) != nil { return false }
            usleep(100_000)
        }
        try start(port: 0)
        return true
    }

    /// Starts it again with other `serve` options (a depot's upstream moved), on the same
    /// data and port as ``restart()`` does.
    @discardableResult
    func restart(extraArgs: [String]) throws -> Bool {
        if isRunning { kill9() }
        self.extraArgs = extraArgs
        return try restart()
    }

    /// Waits (up to `limit` seconds) until the node answers /healthz, or is gone. Returns
    /// nil if it is healthy; else how it died (it is killed if it hangs).
    func waitHealthy(limit: Double = 90) -> String? {
        let deadline = Date().addingTimeInterval(limit)
        while Date() < deadline {
            if !isRunning {
                let how = child.map { $0.killedBySignal ? "killed by signal \($0.status)" : "exit \($0.status)" } ?? "gone"
                return "\(how); \(crashLine ?? logTail)"
            }
            if RawHTTP.exchange(port: port, RawRequest(method: "GET", target: "/healthz"), timeout: 2).status == 200 { return nil }
            usleep(200_000)
        }
        kill9()
        return "it stopped answering /healthz for \(Int(limit)) s and was killed; \(crashLine ?? logTail)"
    }

    /// The last crash in the node's log: why, and the first frame in our sources.
    var crashLine: String? { Self.crashSummary((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "") }

    /// Why a Swift process crashed and where, from what it printed (nil if it did not).
    static func crashSummary(_ text: String) -> String? {
        let lines = text.split(separator: "\n")
        guard let at = lines.lastIndex(where: { $0.contains("Fatal error") || $0.contains(" crashed:") }) else { return nil }
        let after = lines[at...]
        let reason = after.first { $0.contains("Fatal error") || $0.contains("runtime failure") }
            .map { String($0[($0.range(of: "Fatal error") ?? $0.range(of: "Swift runtime failure"))!.lowerBound...]) }
        let frame = after.first { $0.contains("/Sources/") && $0.contains(".swift:") }
            .map { line in String(line.split(separator: " ").drop { !$0.contains("(") }.joined(separator: " ")) }
        let parts = [reason, frame].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " | ")
    }

    /// Runs an admin command on the node's data.
    @discardableResult
    func admin(_ args: String...) throws -> Ran { try admin(args) }

    @discardableResult
    func admin(_ args: [String]) throws -> Ran {
        try Bin.run("fieldsync-node", args + ["--data", data])
    }

    /// An admin command that must succeed; returns its trimmed stdout.
    func adminOK(_ args: String...) throws -> String {
        let r = try admin(args)
        guard r.status == 0 else { throw ChaosError("fieldsync-node \(args.joined(separator: " ")): \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The last lines of the node's log, for a report.
    var logTail: String { tail((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "") }

    private func tail(_ text: String) -> String { text.split(separator: "\n").suffix(5).joined(separator: " | ") }
}
