import FieldModel
import FieldStore
import Foundation
import Testing

/// Articles in a replica store: rows and search index follow the ops, in one transaction,
/// whether the ops were recorded here (central) or arrived from elsewhere (a device).
@Suite struct ArticleRowsTests {
    let now: UInt64 = 1_795_424_400_000
    let fan = EntityID(kind: Article.kind, name: "fan-capacitor")!

    func guide(_ version: UInt64, title: String, body: String) -> ArticlePublished {
        ArticlePublished(version: version, title: title, body: body, deviceModels: ["Chiller X2"], faultCodes: ["E21"], language: "zh")
    }

    @Test("publish, edit, retire: the rows and the search index follow, at central and on a device that applies the same ops")
    func followsItsOps() throws {
        let central = try TempReplica(engineer: "central", replica: "node-a1")
        let device = try TempReplica()
        var made: [Op] = []
        func record(_ body: any EntityOpBody, at t: UInt64) throws {
            made += try central.store.edit(now: t) { edit in try edit.record(body, on: fan) }.1
        }
        try record(guide(1, title: "更换冷凝风扇电容", body: "断电后更换 fan capacitor。"), at: now)
        for store in [central.store] {
            let stored = try #require(try store.article(fan))
            #expect(stored.version.version == 1 && !stored.retired && stored.name == "fan-capacitor")
            #expect(try store.searchArticles("电容").map(\.id) == [fan.rawValue])
            #expect(try store.searchArticles("capacitor").map(\.id) == [fan.rawValue])
        }
        try record(guide(2, title: "Condenser fan capacitor", body: "Isolate power, then swap it."), at: now + 1000)
        #expect(try central.store.article(fan)?.version.version == 2)
        // The old version's words are gone from the index, the new ones found.
        #expect(try central.store.searchArticles("电容").isEmpty)
        #expect(try central.store.searchArticles("isolate power").map(\.id) == [fan.rawValue])

        // A device applying the same ops, in another order, holds the same.
        try device.store.apply(made.reversed(), now: now)
        let there = try #require(try device.store.article(fan))
        let here = try #require(try central.store.article(fan))
        #expect(there.version == here.version && there.retired == here.retired)
        #expect(try device.store.searchArticles("isolate").map(\.id) == [fan.rawValue])

        try record(ArticleRetired(), at: now + 2000)
        #expect(try central.store.article(fan)?.retired == true)
        #expect(try central.store.searchArticles("isolate").isEmpty)
        #expect(try central.store.articles().map(\.id) == [fan])
    }

    @Test("hostile searches are refused with a clear error, and an article id that is a ticket's is refused")
    func hostileInput() throws {
        let central = try TempReplica(engineer: "central", replica: "node-a1")
        #expect(try central.store.searchArticles("   ").isEmpty)
        #expect(throws: StoreError.self) { try central.store.searchArticles(String(repeating: "电", count: 10_000)) }
        #expect(throws: StoreError.self) {
            try central.store.edit(now: now) { edit in try edit.record(guide(1, title: "t", body: "b"), on: EntityID("T1-node-a1")!) }
        }
        #expect(throws: StoreError.self) {
            try central.store.edit(now: now) { edit in try edit.record(guide(0, title: "t", body: "b"), on: fan) }
        }
        #expect(try central.store.articles().isEmpty)
    }
}
