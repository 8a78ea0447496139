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
public enum BlockingWork {
    public static let threads = ReplicaStore.nodeReaders

    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threads)
        // Process-wide and never shut down: nodes started in one process (tests) share it,
        // and its idle threads cost nothing.
        pool.start()
        return pool
    }()

    /// Runs tasks on the blocking pool: a sync request's whole handling (decoding the frame,
    /// checksums, encoding and compressing a page of thousands of ops) is CPU work that
    /// must not hold the cooperative pool either (`withTaskExecutorPreference`). A task
    /// suspended at an `await` holds no thread, so nested ``run(_:)`` calls cannot starve it.
    public static let executor: any TaskExecutor = PoolExecutor(pool: pool)

    private final class PoolExecutor: TaskExecutor {
        let pool: NIOThreadPool

        init(pool: NIOThreadPool) { self.pool = pool }

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            let executor = asUnownedTaskExecutor()
            pool.submit { _ in job.runSynchronously(on: executor) }
        }
    }

    /// Runs `work` on the blocking pool and returns its result.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(work)
    }
}
