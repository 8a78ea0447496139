import Foundation

/// Runs `body`, which blocks (a CLI run over a slow link, a node process waited on), on a
/// thread of its own, and awaits it.
///
/// Why: a synchronous test blocks a thread of Swift's cooperative pool for as long as it
/// runs, and that pool has one thread per core. On 2 cores, two such tests of a minute or
/// more froze every async test in the process at once: their sync clients saw "nothing
/// moved for 34 s", PostgreSQL ended their sessions idle in transaction, and dozens of
/// tests finished in the same millisecond when a thread came free.
package func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
