import Foundation

/// A task executor with threads of its own, for tests whose every step is an `await`
/// (PostgreSQL through PostgresNIO).
///
/// Why: the test process runs hundreds of tests at once, and many of them block a thread
/// for seconds (a CLI run to its end, a node process starting): Swift's cooperative pool has
/// one thread per core, and Dispatch's global queues, where Foundation's Process does its
/// work, are as narrow. A test that awaits at every query waited minutes for a thread there,
/// long enough for PostgreSQL to end its session mid-transaction, and a client whose `run()`
/// task never got a thread waited for ever. Under
/// `withTaskExecutorPreference(DedicatedExecutor.shared)` such a test runs on these threads,
/// whatever the rest of the suite does.
package final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
    // Safe: `jobs` is read and written only with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    package static let shared = DedicatedExecutor(threads: 4)
    /// For tests that block a thread for minutes (``onOwnThread(_:)``): apart from
    /// ``shared``, so they never hold up the PostgreSQL tests' awaits either.
    static let blocking = DedicatedExecutor(threads: 6)

    private init(threads: Int) {
        for n in 0..<threads {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "fieldsync-tests-\(n)"
            thread.start()
        }
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
