import FieldModel
import FieldStore
import Foundation

/// Articles, tickets with facts, and pulls that keep what left, for the article
/// conformance tests.
enum ArticleFixtures {
    typealias F = SyncFixtures

    static func id(_ name: String) -> EntityID { EntityID(kind: Article.kind, name: name)! }

    static func publish(
        _ counter: UInt64, _ name: String, version: UInt64 = 1, models: [String] = [], codes: [String] = [], keywords: [String] = [],
        everyone: Bool = false, images: [Digest] = []
    ) -> Op {
        Op(
            id: OpID(replica: F.desk, counter: counter), wallMillis: F.now + counter * 1_000, logical: 0, subject: id(name),
            body: .entity(EntityOp(ArticlePublished(
                version: version, title: "\(name) v\(version)", body: "How to fix it.", deviceModels: models, faultCodes: codes,
                keywords: keywords, everyone: everyone, images: images))))
    }

    static func retire(_ counter: UInt64, _ name: String) -> Op {
        Op(
            id: OpID(replica: F.desk, counter: counter), wallMillis: F.now + counter * 1_000, logical: 0, subject: id(name),
            body: .entity(EntityOp(ArticleRetired())))
    }

    static func ticket(_ counter: UInt64, _ ticket: String, model: String, fault: String, assignee: String) -> Op {
        F.op(F.desk, counter, on: ticket, .ticketCreated(TicketCreated(
            customer: "Acme", site: "Plant 3", deviceModel: model, category: "repair", fault: fault, assignee: assignee, at: F.now)))
    }

    static func set(_ counter: UInt64, _ ticket: String, _ field: String, _ value: String, replacing: [OpID]) -> Op {
        F.op(F.desk, counter, on: ticket, .fieldSet(FieldWrite(field: field, value: value, replaces: replacing)))
    }

    /// What a device got over one or more pages.
    struct Pulled {
        var ops: [Op] = []
        var left: [EntityID] = []
        var cursor: [UInt8] = []

        /// The articles among the ops, by name.
        var articles: Set<String> { Set(ops.filter { $0.subject.kind == Article.kind }.map { String($0.subject.rawValue.dropFirst(8)) }) }
        var ids: Set<OpID> { Set(ops.map(\.id)) }
    }

    /// Pages from `cursor` until at least `count` ops came (or 10 s passed: on PostgreSQL the
    /// horizon is the whole cluster's), with what left the puller's scope meanwhile.
    static func pull(
        _ store: any NodeStore, _ principal: Principal, as requester: ReplicaID, from cursor: [UInt8] = [], atLeast count: Int,
        leftAtLeast leaving: Int = 0
    ) async throws -> Pulled {
        var out = Pulled(cursor: cursor)
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let page = try await store.pull(for: principal, requester: requester, cursor: out.cursor, limit: 3)
            out.ops += page.ops
            out.left += page.left
            out.cursor = page.cursor
            if page.more { continue }
            if (out.ops.count >= count && out.left.count >= leaving) || ContinuousClock.now > deadline { return out }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
