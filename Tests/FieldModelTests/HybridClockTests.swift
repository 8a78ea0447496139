import FieldModel
import Testing

@Suite struct HybridClockTests {
    let r = ReplicaID("e17")!

    @Test func stampsIncreaseEvenWhenTheWallClockStepsBack() {
        var clock = HybridClock(replica: r)
        let a = clock.tick(now: 1_000)
        let b = clock.tick(now: 1_000)
        let c = clock.tick(now: 500)
        let d = clock.tick(now: 2_000)
        #expect(a < b && b < c && c < d)
        #expect(c.wallMillis == 1_000 && c.logical == 2)
        #expect(d.wallMillis == 2_000 && d.logical == 0)
    }

    @Test func afterObservingLocalStampsComeAfterTheRemoteOne() {
        var clock = HybridClock(replica: r)
        let remote = Timestamp(wallMillis: 5_000, logical: 7, replica: ReplicaID("central")!)
        clock.observe(remote, now: 4_000)
        let next = clock.tick(now: 4_100)
        #expect(next > remote)
        #expect(next.wallMillis == 5_000 && next.logical == 8)
    }

    @Test("a stamp hours in the future drags the clock at most maxForwardDrift ahead")
    func forwardDriftIsBounded() {
        var clock = HybridClock(replica: r)
        let hours = UInt64(3 * 3_600_000)
        clock.observe(Timestamp(wallMillis: 1_000_000 + hours, logical: 0, replica: ReplicaID("fast")!), now: 1_000_000)
        let next = clock.tick(now: 1_000_000)
        #expect(next.wallMillis == 1_000_000 + HybridClock.maxForwardDrift)
    }

    @Test func logicalOverflowCarriesIntoWall() {
        var clock = HybridClock(replica: r, last: Timestamp(wallMillis: 10_000, logical: .max, replica: r))
        let next = clock.tick(now: 5_000)
        #expect(next.wallMillis == 11_000 && next.logical == 0)
    }

    @Test("times are whole seconds: the clock and every op time round down")
    func wholeSeconds() {
        var clock = HybridClock(replica: r)
        let a = clock.tick(now: 1_999)
        let b = clock.tick(now: 1_001)
        #expect(a.wallMillis == 1_000 && a.logical == 0)
        #expect(b.wallMillis == 1_000 && b.logical == 1)
        #expect(Note(text: "x", at: 12_345).at == 12_000)
        #expect(LifecycleEvent(kind: .paused, at: 7_999, after: []).at == 7_000)
    }

    @Test func opMakerCountsFromOneAndNamesTicketsByCreatingOp() {
        var maker = OpMaker(clock: HybridClock(replica: r))
        let created = maker.createTicket(TicketCreated(fields: ["customer": "A"], at: 1), now: 1)
        let note = maker.make(.note(Note(text: "n", at: 2)), on: created.subject, now: 2)
        #expect(created.id.counter == 1 && note.id.counter == 2)
        #expect(created.subject.rawValue == "T1-e17")
        #expect(maker.nextCounter == 3)
    }

    @Test func idsParseAndPrint() {
        #expect(OpID("12@e17-tab")?.description == "12@e17-tab")
        #expect(OpID("0@e17") == nil)
        #expect(OpID("x@e17") == nil)
        #expect(OpID("3@bad id") == nil)
        #expect(ReplicaID("") == nil)
        #expect(ReplicaID(String(repeating: "a", count: 65)) == nil)
        #expect(EntityID("has space") == nil)
    }
}
