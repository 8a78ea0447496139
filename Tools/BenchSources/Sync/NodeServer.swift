import Foundation

/// The release `fieldsync-node` (built beside this benchmark) serving a central on a free
/// loopback port: a SQLite node's folder (`data`) or a database several of them share
/// (`postgres`).
final class NodeServer {
    let process = Process()
    private(set) var url = ""

    convenience init(data: String) throws { try self.init(store: ["--data", data]) }

    /// A SQLite node on `port` (0: a free one) with more `serve` options (a depot's
    /// `--upstream …`), its standard error to `log` if given.
    convenience init(data: String, port: Int, options: [String], log: String? = nil) throws {
        try self.init(store: ["--data", data] + options, port: port, log: log)
    }

    /// `log`: where the node's standard error goes (else nowhere), to show why it failed.
    convenience init(postgres: String, log: String) throws { try self.init(store: ["--postgres", postgres], log: log) }

    private init(store: [String], port: Int = 0, log: String? = nil) throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fieldsync-node")
        process.executableURL = bin
        process.arguments = ["serve"] + store + ["--host", "127.0.0.1", "--port", "\(port)"]
        let out = Pipe()
        process.standardOutput = out
        if let log { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        process.standardError = FileHandle(forWritingAtPath: log ?? "/dev/null")
        try process.run()
        var text = ""
        while !text.contains("listening on ") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchError("fieldsync-node did not start (is it built? Tools/bench builds it)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        url = String(text.split(separator: "\n").first { $0.contains("listening on ") }!.split(separator: " ").last!)
    }

    /// The port it listens on.
    var port: Int { URL(string: url)?.port ?? 0 }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
