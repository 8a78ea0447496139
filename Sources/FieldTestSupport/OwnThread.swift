import Foundation

/// Runs `body`, which blocks (a CLI run over a slow link, a node process waited on), on
/// threads kept for such work (``DedicatedExecutor/blocking``), in the calling test's task,
/// so `#expect` inside it is the test's own.
///
/// Why: a synchronous test blocks a thread of Swift's cooperative pool for as long as it
/// runs, and that pool has one thread per core. On 2 cores, two such tests of a minute or
/// more froze every async test in the process at once: their sync clients saw "nothing
/// moved for 34 s", PostgreSQL ended their sessions idle in transaction, and dozens of
/// tests finished in the same millisecond when a thread came free.
package func onOwnThread<T: Sendable>(_ body: () throws -> T) async throws -> T {
    try await withTaskExecutorPreference(DedicatedExecutor.blocking) { try body() }
}
