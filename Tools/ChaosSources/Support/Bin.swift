import FieldTestSupport
import Foundation

/// The executables a campaign runs, copied once at its start: other builds in the same
/// working copy may relink `.build/debug` while a long campaign runs.
enum Bin {
    private static let folder = LockedFolder()

    /// Copies `fieldsync` and `fieldsync-node` into `dir` and runs them from there. They
    /// come from beside this executable, or from $FIELDSYNC_CHAOS_BIN (e.g. an older
    /// build, to see what a campaign finds in it).
    static func snapshot(into dir: String) throws {
        let from = ProcessInfo.processInfo.environment["FIELDSYNC_CHAOS_BIN"]
        func source(_ name: String) -> String { from.map { $0 + "/" + name } ?? Binaries.path(name) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        folder.set(dir)
        for name in ["fieldsync", "fieldsync-node"] {
            let target = dir + "/" + name
            // A copy taken while the linker writes is caught by running it, and retaken.
            for attempt in 1...30 {
                try? FileManager.default.removeItem(atPath: target)
                do {
                    try FileManager.default.copyItem(atPath: source(name), toPath: target)
                    if try run(name, ["--help"]).status == 0 { break }
                } catch where attempt < 30 {}
                if attempt == 30 { throw ChaosError("could not take a working copy of \(source(name))") }
                sleep(2)
            }
        }
    }

    static func path(_ name: String) -> String { folder.value.map { $0 + "/" + name } ?? Binaries.path(name) }

    /// Runs `name` with `args` to the end; `env` is added to this process's environment.
    static func run(_ name: String, _ args: [String], env extra: [String: String] = [:]) throws -> Ran {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path(name))
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
        let errData = LockedBytes()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errData.isSet { usleep(500) }
        return Ran(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: errData.value, as: UTF8.self),
                   killedBySignal: p.terminationReason == .uncaughtSignal)
    }
}

/// What a finished command left.
struct Ran: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
    let killedBySignal: Bool

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
}

final class LockedFolder: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var folder: String?
    func set(_ f: String) { lock.withLock { folder = f } }
    var value: String? { lock.withLock { folder } }
}

final class LockedBytes: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var data: Data?
    func set(_ d: Data) { lock.withLock { data = d } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}
