import Foundation

/// A real `fieldsync-node serve` on 127.0.0.1 and a free port, for integration tests.
package final class NodeProcess: @unchecked Sendable {
    // Safe: `process` is set once in init; `log` is only read after the process ends.
    package let data: String
    package private(set) var url = ""
    let process = Process()
    let logPath: String

    /// Starts the node on `data` and waits until it listens.
    package init(data: String, extraArgs: [String] = []) throws {
        self.data = data
        logPath = data + ".log"
        process.executableURL = URL(fileURLWithPath: Binaries.path("fieldsync-node"))
        process.arguments = ["serve", "--data", data, "--host", "127.0.0.1", "--port", "0"] + extraArgs
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
        try Binaries.run("fieldsync-node", args + ["--data", data])
    }

    deinit { stop() }
}
