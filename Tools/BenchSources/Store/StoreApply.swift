import FieldModel
import FieldStore

/// Measure A: a fresh `ReplicaStore` takes in the whole workload through
/// `ReplicaStore.apply`, in pages as sync delivers them. That is the store's full work
/// per op: validate, encode, insert, re-derive every touched ticket through the model
/// and rewrite its row, observe the clock, commit.
enum StoreApply {
    static let replica = ReplicaID("bench-device")!

    /// Seconds to apply every op in pages of `pageSize` (store creation not timed).
    /// With `verify`, then checks the store holds every op and each ticket's digest is
    /// the one the generator derived.
    static func run(_ workload: Workload, pageSize: Int, verify: Bool) throws -> Double {
        let dir = try TempDirectory("store")
        defer { dir.remove() }
        let store = try ReplicaStore.create(at: dir.file("replica.sqlite"), replica: replica, engineer: "E1")
        let ops = workload.ops
        let pages = stride(from: 0, to: ops.count, by: pageSize).map { Array(ops[$0..<min($0 + pageSize, ops.count)]) }

        var inserted = 0
        let elapsed = try seconds {
            for page in pages { inserted += try store.apply(page, now: workload.end).inserted }
        }
        guard inserted == ops.count else { throw BenchError("apply inserted \(inserted) of \(ops.count) ops") }
        if verify { try check(store, against: workload) }
        return elapsed
    }

    private static func check(_ store: ReplicaStore, against workload: Workload) throws {
        let stored = try store.opCount()
        guard stored == workload.ops.count else { throw BenchError("store holds \(stored) ops of \(workload.ops.count)") }
        let summaries = try store.tickets()
        guard summaries.count == workload.tickets.count else {
            throw BenchError("store holds \(summaries.count) tickets of \(workload.tickets.count)")
        }
        for s in summaries {
            guard let id = TicketID(s.id), let expected = workload.tickets[id], expected.digest.hex == s.digest else {
                throw BenchError("ticket \(s.id) in the store differs from the one the generator derived")
            }
        }
    }
}
