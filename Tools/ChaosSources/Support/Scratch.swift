import Foundation

/// The campaign's temporary folder, removed at the end (kept with FIELDSYNC_CHAOS_KEEP=1
/// for a post-mortem).
final class Scratch: Sendable {
    let path: String

    init(_ name: String) throws {
        path = NSTemporaryDirectory() + "fieldsync-chaos-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func sub(_ name: String) -> String { path + "/" + name }

    func remove() {
        if ProcessInfo.processInfo.environment["FIELDSYNC_CHAOS_KEEP"] == "1" {
            Say.progress("kept \(path) (FIELDSYNC_CHAOS_KEEP=1)")
            return
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}
