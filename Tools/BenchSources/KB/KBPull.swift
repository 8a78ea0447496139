import FieldClient
import FieldModel
import FieldNode
import FieldStore
import Foundation

/// The knowledge base's pull through the real node: a new device's first pull of every
/// article, then its re-pull after 1% of them changed (M6: the re-pull moves ≤ 2% of the
/// first pull's bytes, because a pull sends only what changed since the device's cursor).
enum KBPull {
    /// One article of the corpus: its name, title and Markdown body.
    struct Document {
        let name: String
        let title: String
        let body: String
    }

    static func run(_ documents: [Document]) async throws {
        var err = StandardError()
        let dir = try TempDirectory("kb-pull")
        defer { dir.remove() }
        let nodeData = dir.file("node")
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let token: String
        do {
            let store = try NodeData.open(nodeData)
            print("publishing \(documents.count) articles at central…", to: &err)
            _ = try store.edit(now: now) { edit in
                for d in documents { try edit.record(version(d, 1), on: id(d)) }
            }
            token = try store.createToken(name: "E17", role: .engineer, now: now).token
        }
        let node = try NodeServer(data: nodeData)
        defer { node.stop() }

        let home = FieldHome(explicit: dir.file("e17"))
        try FileManager.default.createDirectory(atPath: home.path, withIntermediateDirectories: true)
        _ = try ReplicaStore.create(at: home.replicaPath, replica: ReplicaID("e17-bench")!, engineer: "E17")
        try NodeLink.save(home: home, url: node.url, token: token)
        let replica = try FieldReplica.open(home: home)

        print("first pull…", to: &err)
        let first = try await SyncBench.syncing(replica)
        let held = try replica.store.articles().count
        guard held == documents.count else { throw BenchError("the device holds \(held) of \(documents.count) articles after its first pull") }

        // 1% of the articles get a new version at central (a sentence added to each).
        let changed = stride(from: 0, to: documents.count, by: 100).map { documents[$0] }
        do {
            let store = try NodeData.open(nodeData)
            _ = try store.edit(now: now + 60_000) { edit in
                for d in changed {
                    try edit.record(version(Document(name: d.name, title: d.title, body: d.body + "\n\nRevised: torque the terminals to 2.5 N·m."), 2), on: id(d))
                }
            }
        }
        print("re-pull after \(changed.count) articles changed…", to: &err)
        let second = try await SyncBench.syncing(replica)
        let revised = try replica.store.searchArticles("revised torque terminals", limit: 1000).count
        guard second.report.pulled == changed.count, revised == changed.count else {
            throw BenchError("the re-pull brought \(second.report.pulled) ops and \(revised) revised articles, not \(changed.count)")
        }
        let share = Double(second.report.bytesDown) / Double(max(1, first.report.bytesDown))
        print("pull through the real node (loopback), a new device holding no article:")
        print(
            Format.left("  first pull of \(documents.count) articles", 44)
                + "\(Format.grouped(first.report.bytesDown)) B down in \(Format.fixed(first.seconds, 2)) s (\(first.report.roundTrips) round trips)")
        print(
            Format.left("  re-pull after \(changed.count) changed (1%)", 44)
                + "\(Format.grouped(second.report.bytesDown)) B down in \(Format.fixed(second.seconds, 3)) s = \(Format.fixed(share * 100, 2))% of the first")
        print(Format.left("", 44) + "target ≤ 2%: \(share <= 0.02 ? "PASS" : "BELOW")")
    }

    static func id(_ d: Document) -> EntityID { EntityID(kind: Article.kind, name: d.name)! }

    static func version(_ d: Document, _ v: UInt64) -> ArticlePublished {
        ArticlePublished(version: v, title: d.title, body: d.body, language: "zh", everyone: true)
    }
}
