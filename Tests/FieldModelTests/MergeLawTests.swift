import FieldModel
import FieldTestSupport
import Testing

/// The merge laws, over random schedules: ops from 3–5 replicas that edited offline and
/// synced at random, delivered in random orders with duplicates, and states merged in
/// random groupings. Each failure names its seed; replay with `schedule(seed:)`.
@Suite struct MergeLawTests {
    static let scheduleCount = 1_000

    /// Ops of one seeded schedule.
    static func schedule(seed: UInt64) -> [Op] {
        var rng = SeededRandom(seed: seed ^ 0xA5A5)
        var sim = FieldSimulation(replicaCount: 3 + Int(seed % 3), seed: seed)
        return sim.run(steps: 40 + Int.random(in: 0..<60, using: &rng))
    }

    static func applying(_ ops: [Op]) -> ReplicaState {
        var state = ReplicaState()
        state.apply(contentsOf: ops)
        return state
    }

    /// A delivery order: a shuffle of the ops with about a quarter of them repeated.
    static func delivery(_ ops: [Op], using rng: inout SeededRandom) -> [Op] {
        var out = ops
        for _ in 0..<(ops.count / 4) { out.append(ops[Int.random(in: 0..<ops.count, using: &rng)]) }
        out.shuffle(using: &rng)
        return out
    }

    /// A random subset, as one replica might hold it.
    static func subset(_ ops: [Op], using rng: inout SeededRandom) -> [Op] {
        ops.filter { _ in Bool.random(using: &rng) }
    }

    @Test("applying the same ops in any order, with duplicates, gives the same state (commutative, idempotent)")
    func orderAndDuplicatesDoNotMatter() {
        var checked = 0
        for seed in 1...UInt64(Self.scheduleCount) {
            let ops = Self.schedule(seed: seed)
            let reference = Self.applying(ops)
            var rng = SeededRandom(seed: seed)
            for _ in 0..<3 {
                let other = Self.applying(Self.delivery(ops, using: &rng))
                let same = other == reference
                #expect(same, "seed \(seed): a different delivery order gave a different state")
                if !same { return }
            }
            if seed % 50 == 0 {
                #expect(Self.applying(ops.reversed()).digest == reference.digest, "seed \(seed): digest differs")
            }
            checked += 1
        }
        #expect(checked == Self.scheduleCount)
    }

    @Test("state merge is commutative, associative and idempotent, and equals applying the union")
    func mergeLaws() {
        for seed in 1...UInt64(Self.scheduleCount) {
            let ops = Self.schedule(seed: seed)
            var rng = SeededRandom(seed: seed &* 31)
            let a = Self.applying(Self.subset(ops, using: &rng))
            let b = Self.applying(Self.subset(ops, using: &rng))
            let c = Self.applying(Self.subset(ops, using: &rng))
            let ok =
                a.merging(b) == b.merging(a)
                && a.merging(b).merging(c) == a.merging(b.merging(c))
                && a.merging(a) == a
                && a.merging(b).merging(c).merging(Self.applying(ops)) == Self.applying(ops)
            #expect(ok, "seed \(seed): merge laws broken")
            if !ok { return }
        }
    }

    @Test("replicas that exchange everything converge to one digest")
    func replicasConverge() {
        for seed in 1...UInt64(200) {
            let ops = Self.schedule(seed: seed)
            var rng = SeededRandom(seed: seed &+ 7)
            // Three devices receive the ops in three pages each, in different orders.
            let digests = (0..<3).map { _ in
                var state = ReplicaState()
                let order = Self.delivery(ops, using: &rng)
                let third = order.count / 3
                for page in [order[..<third], order[third..<(2 * third)], order[(2 * third)...]] {
                    state.merge(Self.applying(Array(page)))
                }
                return state.digest
            }
            #expect(Set(digests).count == 1, "seed \(seed): replicas disagree")
        }
    }

    @Test("schedules exercise concurrency: conflicts of both kinds occur")
    func schedulesAreNotTrivial() {
        var fieldConflicts = 0, lifecycleConflicts = 0, removals = 0
        for seed in 1...UInt64(100) {
            let ops = Self.schedule(seed: seed)
            removals += ops.filter { if case .partRemoved = $0.body { true } else { false } }.count
            for ticket in Self.applying(ops).tickets.values {
                for conflict in ticket.conflicts {
                    if case .field = conflict { fieldConflicts += 1 } else { lifecycleConflicts += 1 }
                }
            }
        }
        #expect(fieldConflicts > 10)
        #expect(lifecycleConflicts > 10)
        #expect(removals > 10)
    }
}
