import FieldModel
import Testing

@Suite struct WorkSummaryTests {
    @Test func canonicalTextHasTheSignedFacts() throws {
        var r = TestReplica("e17")
        let (id, _) = r.create()
        r.make(r.ticket(id).step(.arrived, at: 1_763_889_245_000, position: Position(latitude: 1, longitude: 2)), on: id)
        let line = r.make(.partAdded(PartLine(partNumber: "PN-4471", quantity: Quantity(thousandths: 1500), unit: "m", location: "van:E17")), on: id)
        r.make(r.ticket(id).setting(Field.resolution, to: "Replaced cable\nTested OK"), on: id)
        r.make(r.ticket(id).step(.completed, at: 1_763_895_760_000), on: id)
        let summary = WorkSummary(ticket: r.ticket(id))
        #expect(summary.text == """
            FieldSync work summary v1
            ticket: T1-e17
            arrived: 2025-11-23T09:14:05Z
            completed: 2025-11-23T11:02:40Z
            part: \(line.id) PN-4471 1.5 m from van:E17
            resolution: Replaced cable\\nTested OK

            """)
        #expect(summary.sha256 == SHA256.hash(Array(summary.text.utf8)))
    }

    @Test("a part added after signing changes the summary, and says so")
    func changesAfterSigning() {
        var r = TestReplica("e17")
        let (id, _) = r.create()
        r.make(r.ticket(id).setting(Field.resolution, to: "fixed"), on: id)
        let signed = WorkSummary(ticket: r.ticket(id))
        #expect(WorkSummary(ticket: r.ticket(id)).sha256 == signed.sha256)
        r.make(.partAdded(PartLine(partNumber: "F-9", quantity: Quantity(2), location: "van:E17")), on: id)
        r.make(r.ticket(id).step(.completed, at: r.now), on: id)
        let now = WorkSummary(ticket: r.ticket(id))
        #expect(now.sha256 != signed.sha256)
        #expect(now.changes(since: signed) == ["completion time changed", "part added: 2 pcs F-9"])
        #expect(signed.changes(since: signed).isEmpty)
    }

    @Test("times format as UTC", arguments: [
        (UInt64(0), "1970-01-01T00:00:00Z"), (951_782_400_000, "2000-02-29T00:00:00Z"),
        (1_798_761_599_000, "2026-12-31T23:59:59Z"),
    ])
    func utc(millis: UInt64, text: String) { #expect(UTCTime.iso8601(millis: millis) == text) }
}
