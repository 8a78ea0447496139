import FieldTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process the harness may SIGKILL at any moment: its output goes to files (no
/// pipe a killed reader could leave full), and waiting is bounded.
final class Child: @unchecked Sendable {
    // @unchecked: `process` and the paths are set once in init; Process itself is
    // thread-safe for isRunning / terminationStatus.
    let process = Process()
    let outPath: String
    let errPath: String
    let started = Date()

    /// Starts `binary` (one of the package's executables) with `args`; `env` is added to
    /// this process's environment.
    init(_ binary: String, _ args: [String], env extra: [String: String] = [:], outPath: String, errPath: String, appendErr: Bool = false) throws {
        self.outPath = outPath
        self.errPath = errPath
        process.executableURL = URL(fileURLWithPath: Bin.path(binary))
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "FIELDSYNC_TEST_CRASH")
        for (k, v) in extra { env[k] = v }
        process.environment = env
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        if !appendErr || !FileManager.default.fileExists(atPath: errPath) {
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        }
        let out = FileHandle(forWritingAtPath: outPath)
        let err = FileHandle(forWritingAtPath: errPath)
        if appendErr { err?.seekToEndOfFile() }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? out?.close()
        try? err?.close()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// SIGKILL, then waits until the process is gone.
    func kill9() {
        if process.isRunning { _ = kill(pid, SIGKILL) }
        _ = wait(timeout: 30)
    }

    /// SIGTERM; SIGKILL if it is still running after `grace` seconds.
    func terminate(grace: TimeInterval = 10) {
        if process.isRunning { _ = kill(pid, SIGTERM) }
        if !wait(timeout: grace) { kill9() }
    }

    /// Waits up to `timeout` seconds for the process to end; says whether it did.
    @discardableResult
    func wait(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { return false }
            usleep(2_000)
        }
        process.waitUntilExit()
        return true
    }

    var status: Int32 { process.terminationStatus }
    var killedBySignal: Bool { !process.isRunning && process.terminationReason == .uncaughtSignal }
    var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
}
