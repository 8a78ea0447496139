import Foundation

/// The release `fieldsync-node` (built beside this benchmark) serving `data` on a free
/// loopback port.
final class NodeServer {
    let process = Process()
    private(set) var url = ""

    init(data: String) throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fieldsync-node")
        process.executableURL = bin
        process.arguments = ["serve", "--data", data, "--host", "127.0.0.1", "--port", "0"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var text = ""
        while !text.contains("listening on ") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchError("fieldsync-node did not start (is it built? Tools/bench builds it)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        url = String(text.split(separator: "\n").first { $0.contains("listening on ") }!.split(separator: " ").last!)
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
