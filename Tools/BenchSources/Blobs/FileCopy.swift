import Foundation

/// The baselines: copying the same file on the same disk, three ways. Each returns the
/// wall seconds of one copy and removes the copy afterwards.
enum FileCopy {
    /// Writes every dirty page on the machine to disk before a timed step, so each step
    /// pays for its own writes only: the copies do not fsync, and an fsync in the next
    /// step could otherwise end up waiting for their pages too.
    static func settle() { sync() }

    /// `/bin/cp source target` as a child process (the spawn is part of the time, as it
    /// is for anyone who types it). No fsync: the copy may still be in the page cache.
    ///
    /// The exit is awaited through `terminationHandler`, not `waitUntilExit()`: on Linux
    /// that polls its run loop in 50 ms steps, which would time the poll, not the copy.
    static func cp(_ source: String, _ target: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/cp")
        process.arguments = [source, target]
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        let t = try seconds {
            try process.run()
            exited.wait()
        }
        guard process.terminationStatus == 0 else { throw BenchError("/bin/cp exited with \(process.terminationStatus)") }
        try FileManager.default.removeItem(atPath: target)
        return t
    }

    /// `FileManager.copyItem`, in-process, no fsync.
    static func copyItem(_ source: String, _ target: String) throws -> Double {
        let t = try seconds { try FileManager.default.copyItem(atPath: source, toPath: target) }
        try FileManager.default.removeItem(atPath: target)
        return t
    }

    /// Read and write in 1 MB chunks with FileHandle, then `synchronize()` (fsync) the
    /// copy: the same durability the node gives an uploaded blob.
    static func copyAndFsync(_ source: String, _ target: String) throws -> Double {
        let t = try seconds {
            guard let input = FileHandle(forReadingAtPath: source) else { throw BenchError("cannot read \(source)") }
            defer { try? input.close() }
            guard FileManager.default.createFile(atPath: target, contents: nil), let out = FileHandle(forWritingAtPath: target) else {
                throw BenchError("cannot create \(target)")
            }
            defer { try? out.close() }
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { try out.write(contentsOf: chunk) }
            try out.synchronize()
        }
        try FileManager.default.removeItem(atPath: target)
        return t
    }
}
