import Foundation

/// Files of incompressible bytes for the blob benchmark: SplitMix64 output from a fresh
/// random seed, so every file is a new blob (a blob the node holds is never sent again).
enum RandomFile {
    /// Writes `bytes` random bytes to `path` and fsyncs it, so no dirty pages of the
    /// source are still being written back while a later step is timed.
    static func write(_ path: String, bytes: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let out = FileHandle(forWritingAtPath: path) else {
            throw BenchError("cannot create \(path)")
        }
        defer { try? out.close() }
        var rng = SplitMix64(seed: UInt64.random(in: 0...UInt64.max))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var left = bytes
        while left > 0 {
            let n = min(left, chunk.count)
            chunk.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for i in words.indices { words[i] = rng.next() }
            }
            try out.write(contentsOf: chunk[..<n])
            left -= n
        }
        try out.synchronize()
    }
}
