import Foundation
import Testing

/// Runs the real `fieldsync` binary in a temporary home.
final class CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        let killedBySignal: Bool

        var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
    }

    let home: String
    let scratch: String

    init() throws {
        scratch = NSTemporaryDirectory() + "fieldsync-cli-\(UUID().uuidString)"
        home = scratch + "/home"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    /// The built binary, beside the test bundle (SwiftPM builds it for this target).
    static let binary: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fieldsync").path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/fieldsync").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }()

    @discardableResult
    func run(_ args: [String], env extra: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["FIELDSYNC_HOME"] = home
        env.removeValue(forKey: "FIELDSYNC_TEST_CRASH")
        for (k, v) in extra { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self), killedBySignal: p.terminationReason == .uncaughtSignal)
    }

    /// Runs and expects success; returns stdout.
    @discardableResult
    func ok(_ args: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let r = try run(args)
        #expect(r.status == 0, "fieldsync \(args.joined(separator: " ")) failed: \(r.stderr)", sourceLocation: sourceLocation)
        return r
    }

    /// Writes a file in the scratch folder.
    func file(_ name: String, bytes: [UInt8]) throws -> String {
        let path = scratch + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A fresh replica with one local ticket; returns the ticket id.
    func readyTicket() throws -> String {
        try ok("init", "--engineer", "E17")
        let r = try ok(
            "ticket", "create", "--customer", "Acme Foods", "--site", "Plant 3", "--device-model", "Chiller X2",
            "--category", "repair", "--fault", "Compressor trips", "--asset", "CH-0192")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The ticket as `show --json` prints it.
    func show(_ ticket: String) throws -> [String: Any] { try ok("show", ticket, "--json").object }
}
