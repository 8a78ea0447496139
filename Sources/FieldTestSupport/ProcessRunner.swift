import Foundation

/// What a finished process left.
package struct ProcessResult: Sendable {
    package let status: Int32
    package let stdout: String
    package let stderr: String
    package let killedBySignal: Bool

    package var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
    package var object: [String: Any] { json as? [String: Any] ?? [:] }
}

/// The package's built executables, found beside the test bundle (SwiftPM builds them
/// for test targets that depend on them) or in `.build/debug`.
package enum Binaries {
    package static func path(_ name: String) -> String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/\(name)").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    /// Runs `binary` with `args` and environment `env` (added to this process's) to the end.
    package static func run(_ binary: String, _ args: [String], env extra: [String: String] = [:]) throws -> ProcessResult {
        try run(executable: path(binary), args, env: extra)
    }

    /// Runs the executable at `executable` to the end, with no standard input; `env` is
    /// added to this process's environment, less the crash hook.
    package static func run(executable: String, _ args: [String], env extra: [String: String] = [:]) throws -> ProcessResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "FIELDSYNC_TEST_CRASH")
        for (k, v) in extra { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read both pipes concurrently so neither fills up and blocks the child.
        let errData = LockedData()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errData.isSet { usleep(1000) }
        return ProcessResult(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: errData.value, as: UTF8.self), killedBySignal: p.terminationReason == .uncaughtSignal)
    }
}

/// A box a reader thread fills once.
final class LockedData: @unchecked Sendable {
    // Safe: every access goes through `lock`.
    private let lock = NSLock()
    private var data: Data?
    func set(_ d: Data) { lock.withLock { data = d } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}

/// A temporary folder removed when released.
package final class TempFolder: Sendable {
    package let path: String
    package init(_ prefix: String = "fieldsync") throws {
        path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
