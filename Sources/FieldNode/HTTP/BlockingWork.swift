import FieldStore
import NIOPosix

/// Runs the node's blocking work (SQLite through GRDB, file writes and `fsync`, hashing a
/// finished blob) on threads of its own, never on Swift's cooperative pool.
///
/// Why: the cooperative pool has one thread per core. On a 2-core node two requests that
/// block in SQLite or on the disk used to take both, and every other request, `/healthz`
/// and a two-op push included, waited behind them. A request handler awaits its blocking
/// work here instead: the pool's threads stay free to parse, route and answer.
///
/// As many threads as the store has readers (``ReplicaStore/nodeReaders``): the work blocks
/// far more than it computes (a pull waits on pages, an upload on `fsync`), SQLite in WAL
/// mode reads on that many connections at once, and writes queue in GRDB's writer whatever
/// the thread count.
enum BlockingWork {
    static let threads = ReplicaStore.nodeReaders

    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threads)
        // Process-wide and never shut down: nodes started in one process (tests) share it,
        // and its idle threads cost nothing.
        pool.start()
        return pool
    }()

    /// Runs `work` on the blocking pool and returns its result.
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(work)
    }
}
