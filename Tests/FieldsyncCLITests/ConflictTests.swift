import FieldTestSupport
import FieldModel
import FieldStore
import Foundation
import Testing

/// Conflicts arrive from other replicas; here central's ops are applied to the engineer's
/// replica file directly (sync comes later), then the CLI shows and settles them.
@Suite struct ConflictTests {
    @Test func conflictsAreListedAndSettled() throws {
        let cli = try CLI()
        let t = try cli.readyTicket()
        try cli.ok("set", t, "priority", "high")
        try cli.ok("complete", t, "--resolution", "fixed on site")

        // Central, which saw only the creation, changes the priority and cancels.
        let store = try ReplicaStore.open(at: cli.home + "/replica.sqlite")
        let id = EntityID(t)!
        let created = try #require(store.ops(of: id).first)
        var central = OpMaker(clock: HybridClock(replica: ReplicaID("central")!))
        var seen = Ticket(id: id)
        seen.apply(created)
        let now = created.stamp.wallMillis + 60_000
        let prio = central.make(seen.setting(Field.priority, to: "urgent"), on: id, now: now)
        let cancel = central.make(seen.step(.cancelled, at: now, reason: "customer called"), on: id, now: now + 1)
        try store.apply([prio, cancel], now: now)

        let list = try cli.ok("conflicts").stdout
        #expect(list.contains("priority: "))
        #expect(list.contains("\"urgent\"") && list.contains("\"high\""))
        #expect(list.contains("status: "))
        #expect(list.contains("cancelled") && list.contains("completed"))
        let tickets = try cli.ok("tickets").stdout
        #expect(tickets.contains("⚠ 2 conflicts"))

        try cli.ok("resolve", t, "priority", "urgent")
        try cli.ok("resolve", t, "status", "closed")
        #expect(try cli.ok("conflicts").stdout.contains("No open conflicts."))
        let shown = try cli.show(t)
        #expect((shown["fields"] as? [String: String])?["priority"] == "urgent")
        #expect(shown["status"] as? String == "closed")
        #expect(try cli.run(["resolve", t, "status", "sideways"]).status != 0)
    }
}
