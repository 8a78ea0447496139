import Foundation

/// A real `fieldsync-node serve` on 127.0.0.1 and a free port, for integration tests.
package final class NodeProcess: @unchecked Sendable {
    // Safe: `process` is set once in init; `log` is only read after the process ends.
    package let data: String
    package private(set) var url = ""
    let process = Process()
    let logPath: String

    /// Starts the node on `data` and waits until it listens.
    package convenience init(data: String, extraArgs: [String] = []) throws {
        try self.init(store: ["--data", data], data: data, logPath: data + ".log", extraArgs: extraArgs)
    }

    /// Starts a node on the central PostgreSQL database at `url`; its log goes to `logPath`.
    package convenience init(postgres url: String, logPath: String, extraArgs: [String] = []) throws {
        try self.init(store: ["--postgres", url], data: "", logPath: logPath, extraArgs: extraArgs)
    }

    init(store: [String], data: String, logPath: String, extraArgs: [String]) throws {
        self.data = data
        self.logPath = logPath
        process.executableURL = URL(fileURLWithPath: Binaries.path("fieldsync-node"))
        process.arguments = ["serve"] + store + ["--host", "127.0.0.1", "--port", "0"] + extraArgs
        let out = Pipe()
        process.standardOutput = out
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.contains("listening on ") }) {
                url = String(line.split(separator: " ").last ?? "")
                return
            }
        }
        process.terminate()
        throw NSError(domain: "NodeProcess", code: 1, userInfo: [NSLocalizedDescriptionKey: "node did not start: \(log)"])
    }

    /// The node's stderr (its logs) so far.
    package var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Kills the node at once (SIGKILL: a crash or a pulled plug, nothing finished) and waits.
    package func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops the node with SIGTERM (graceful) and waits; returns its exit status.
    @discardableResult
    package func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// Runs a `fieldsync-node` admin command on this node's data.
    package func admin(_ args: String...) throws -> ProcessResult {
        try admin(args)
    }

    /// `admin` with the arguments in an array.
    package func admin(_ args: [String]) throws -> ProcessResult {
        try Binaries.run("fieldsync-node", args + ["--data", data])
    }

    deinit { stop() }
}
