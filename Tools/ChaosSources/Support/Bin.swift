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
        try Binaries.run(executable: path(name), args, env: extra)
    }
}

/// What a finished command left.
typealias Ran = ProcessResult

final class LockedFolder: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var folder: String?
    func set(_ f: String) { lock.withLock { folder = f } }
    var value: String? { lock.withLock { folder } }
}

