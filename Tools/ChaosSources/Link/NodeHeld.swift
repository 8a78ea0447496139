import Foundation

/// What the node holds of a photo, read from its data folder: the whole blob
/// (`blobs/ab/<sha>`), or the partial upload (`partial/<sha>`), or nothing. The CLI says
/// nothing about a photo's progress when a sync fails, so this is how the campaign sees
/// each attempt move a photo on.
enum NodeHeld {
    static func completePath(_ node: ChaosNode, _ sha: String) -> String { "\(node.data)/blobs/\(sha.prefix(2))/\(sha)" }

    static func isComplete(_ node: ChaosNode, _ sha: String) -> Bool {
        FileManager.default.fileExists(atPath: completePath(node, sha))
    }

    /// Bytes held: the whole blob, or its partial upload, or 0.
    static func bytes(_ node: ChaosNode, _ sha: String) -> Int {
        for path in [completePath(node, sha), "\(node.data)/partial/\(sha)"] {
            if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber { return size.intValue }
        }
        return 0
    }

    /// Bytes held once they stopped changing for `quiet` seconds (at most `limit` s): what a
    /// link that was left still carries reaches the node first.
    static func settled(_ node: ChaosNode, _ sha: String, quiet: Double = 1.5, limit: Double = 15) -> Int {
        var last = bytes(node, sha)
        var still = Date()
        let deadline = Date().addingTimeInterval(limit)
        while Date() < deadline {
            usleep(100_000)
            let now = bytes(node, sha)
            if now != last {
                last = now
                still = Date()
            } else if Date().timeIntervalSince(still) >= quiet {
                break
            }
        }
        return last
    }

    /// Waits until the node holds at least `count` bytes, or `child` ended, or `limit`
    /// seconds passed; says whether it holds them.
    static func wait(_ node: ChaosNode, _ sha: String, atLeast count: Int, while child: Child, limit: Double) -> Bool {
        let deadline = Date().addingTimeInterval(limit)
        while Date() < deadline {
            if bytes(node, sha) >= count { return true }
            if !child.isRunning { return bytes(node, sha) >= count }
            usleep(20_000)
        }
        return false
    }
}
