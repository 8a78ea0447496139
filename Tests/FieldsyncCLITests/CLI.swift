import FieldTestSupport
import Foundation
import Testing

/// Runs the real `fieldsync` binary in a temporary home.
final class CLI {
    typealias Result = ProcessResult

    let home: String
    let scratch: String

    init() throws {
        scratch = NSTemporaryDirectory() + "fieldsync-cli-\(UUID().uuidString)"
        home = scratch + "/home"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    @discardableResult
    func run(_ args: [String], env extra: [String: String] = [:]) throws -> Result {
        try Binaries.run("fieldsync", args, env: extra.merging(["FIELDSYNC_HOME": home]) { a, _ in a })
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
