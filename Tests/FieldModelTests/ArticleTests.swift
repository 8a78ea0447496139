import FieldModel
import FieldTestSupport
import Testing

/// Knowledge-base articles (M6), the second entity kind: their state is the latest
/// version unless a later retirement withdrew it, and the merge laws hold over schedules
/// that mix articles with tickets.
@Suite struct ArticleTests {
    static let t0: UInt64 = 1_795_424_400_000
    static let central = ReplicaID("node-3fa91c2b")!

    static func article(_ n: Int) -> EntityID { EntityID(kind: Article.kind, name: "guide-\(n)")! }

    /// Random article ops from two central writers (a restored central forks, SPEC §9.3).
    static func articleOps(seed: UInt64, count: Int) -> [Op] {
        var rng = SeededRandom(seed: seed)
        var counters: [ReplicaID: UInt64] = [:]
        return (0..<count).map { i in
            let writer = Bool.random(using: &rng) ? central : ReplicaID("node-0c44d2e1")!
            counters[writer, default: 0] += 1
            let wall = t0 + UInt64.random(in: 0..<20, using: &rng) * 1000
            let body: OpBody =
                Int.random(in: 0..<5, using: &rng) == 0
                ? .entity(EntityOp(ArticleRetired()))
                : .entity(EntityOp(ArticlePublished(version: UInt64(i + 1), title: "Fan \(i)", body: "压缩机 \(i)", deviceModels: ["Chiller X2"])))
            return Op(id: OpID(replica: writer, counter: counters[writer]!), wallMillis: wall, logical: UInt32.random(in: 0..<3, using: &rng),
                      subject: article(Int.random(in: 0..<4, using: &rng)), body: body)
        }
    }

    @Test("the latest version shows; a later retirement withdraws it; a later version brings it back")
    func latestWins() {
        let id = Self.article(1)
        func op(_ c: UInt64, _ wall: UInt64, _ body: any EntityOpBody) -> Op {
            Op(id: OpID(replica: Self.central, counter: c), wallMillis: Self.t0 + wall * 1000, logical: 0, subject: id, body: .entity(EntityOp(body)))
        }
        var a = Article(id: id)
        a.apply(op(2, 2, ArticlePublished(version: 2, title: "v2", body: "")))
        a.apply(op(1, 1, ArticlePublished(version: 1, title: "v1", body: "")))
        #expect(a.current?.title == "v2")
        a.apply(op(3, 3, ArticleRetired()))
        #expect(a.current == nil)
        a.apply(op(4, 4, ArticlePublished(version: 3, title: "v3", body: "")))
        #expect(a.current?.title == "v3")
        // Ticket ops on an article's id derive nothing.
        #expect(!Article.derives(from: Op(id: OpID(replica: Self.central, counter: 9), wallMillis: Self.t0, logical: 0, subject: id, body: .note(Note(text: "x", at: Self.t0)))))
    }

    @Test("merge laws over schedules mixing tickets and articles: any order, duplicates, any grouping give one state")
    func mergeLawsAcrossKinds() {
        for seed in 1...UInt64(300) {
            var rng = SeededRandom(seed: seed)
            var sim = FieldSimulation(replicaCount: 3, seed: seed)
            let ops = sim.run(steps: 30) + Self.articleOps(seed: seed, count: 25)
            var reference = ReplicaState()
            reference.apply(contentsOf: ops)
            #expect(reference.entities(Article.self).count <= 4)
            #expect(!reference.tickets.isEmpty)
            // Order and duplicates.
            var shuffled = ReplicaState()
            shuffled.apply(contentsOf: (ops + ops.prefix(10)).shuffled(using: &rng))
            #expect(shuffled == reference, "seed \(seed)")
            #expect(shuffled.digest == reference.digest, "seed \(seed)")
            // Split across three replicas, merged in two groupings.
            var parts = [ReplicaState(), ReplicaState(), ReplicaState()]
            for op in ops { parts[Int.random(in: 0..<3, using: &rng)].apply(op) }
            let left = parts[0].merging(parts[1]).merging(parts[2])
            let right = parts[2].merging(parts[0].merging(parts[1]))
            #expect(left == reference && right == reference, "seed \(seed)")
            #expect(left.merging(left) == left)
        }
    }
}
