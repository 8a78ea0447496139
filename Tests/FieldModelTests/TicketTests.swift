import FieldModel
import Testing

@Suite struct TicketTests {
    @Test func createdTicketHasItsFieldsAndIsAssigned() {
        var central = TestReplica("central")
        let (id, op) = central.create()
        let t = central.ticket(id)
        #expect(id.rawValue == "T1-central")
        #expect(t.createdBy == op.id)
        #expect(t.value(Field.customer) == "Acme")
        #expect(t.value(Field.deviceModel) == "Chiller X2")
        #expect(t.value(Field.asset) == "A-9")
        #expect(t.status == .assigned)
        #expect(t.conflicts.isEmpty)
        #expect(t.timeline.map(\.kind) == [.created])
    }

    @Test func ticketWithoutAssigneeIsNew() {
        var central = TestReplica("central")
        let (id, _) = central.create(assignee: "")
        #expect(central.ticket(id).status == .new)
        #expect(central.ticket(id).value(Field.assignee) == nil)
    }

    @Test func sequentialWritesReplaceWithoutConflict() {
        var r = TestReplica("e17")
        let (id, _) = r.create()
        r.make(r.ticket(id).setting(Field.priority, to: "high"), on: id)
        r.make(r.ticket(id).setting(Field.priority, to: "urgent"), on: id)
        #expect(r.ticket(id).value(Field.priority) == "urgent")
        #expect(r.ticket(id).conflicts.isEmpty)
        #expect(r.ticket(id).register(Field.priority).writes.count == 3)
    }

    @Test("concurrent writes are all kept, listed as a conflict, and settled by a write naming both")
    func concurrentFieldWrites() throws {
        var central = TestReplica("central")
        let (id, created) = central.create()
        var device = TestReplica("e17")
        device.receive([created])
        let a = central.make(central.ticket(id).setting(Field.priority, to: "high"), on: id)
        let b = device.make(device.ticket(id).setting(Field.priority, to: "low"), on: id)
        central.receive([b])
        device.receive([a])
        #expect(central.state == device.state)
        let conflicts = central.ticket(id).conflicts
        #expect(conflicts.count == 1)
        guard case .field(let name, let values) = try #require(conflicts.first) else {
            Issue.record("expected a field conflict")
            return
        }
        #expect(name == Field.priority)
        #expect(Set(values.map(\.value)) == ["high", "low"])
        // Winner: latest stamp, the same on both replicas.
        #expect(central.ticket(id).value(Field.priority) == values[0].value)
        #expect(values[0].stamp > values[1].stamp)

        let settle = device.make(device.ticket(id).setting(Field.priority, to: "high"), on: id)
        central.receive([settle])
        #expect(central.ticket(id).conflicts.isEmpty)
        #expect(central.ticket(id).value(Field.priority) == "high")
        #expect(central.state == device.state)
    }

    @Test("two concurrent assignments are a conflict on the assignee")
    func concurrentAssignees() {
        var central = TestReplica("central")
        let (id, created) = central.create()
        var depot = TestReplica("depot")
        depot.receive([created])
        let a = central.make(central.ticket(id).assigning(to: "E21", at: central.now), on: id)
        let b = depot.make(depot.ticket(id).assigning(to: "E30", at: depot.now), on: id)
        central.receive([b])
        let t = central.ticket(id)
        #expect(t.conflicts.map(\.subject) == [Field.assignee])
        #expect(Set(t.register(Field.assignee).values.map(\.value)) == ["E21", "E30"])
        #expect(Set(t.timeline.filter { $0.kind == .step(.assigned) }.map(\.id)) == [a.id, b.id])
    }

    @Test("completed on site while cancelled at central is a lifecycle conflict until settled")
    func contradictoryLifecycle() {
        var central = TestReplica("central")
        let (id, created) = central.create()
        var device = TestReplica("e17")
        device.receive([created])
        device.make(device.ticket(id).step(.arrived, at: device.now, position: Position(latitude: 51.5, longitude: -0.12)), on: id)
        let cancel = central.make(central.ticket(id).step(.cancelled, at: central.now, reason: "customer called"), on: id)
        let complete = device.make(device.ticket(id).step(.completed, at: device.now), on: id)
        device.receive([cancel])
        let t = device.ticket(id)
        #expect(t.conflicts.map(\.subject) == ["status"])
        guard case .lifecycle(let events) = t.conflicts.first else {
            Issue.record("expected a lifecycle conflict")
            return
        }
        #expect(Set(events.map(\.kind)) == [.step(.completed), .step(.cancelled)])
        #expect(events.map(\.id).contains(complete.id))
        // The dispatcher closes it after seeing both: settled.
        device.make(device.ticket(id).step(.closed, at: device.now), on: id)
        #expect(device.ticket(id).conflicts.isEmpty)
        #expect(device.ticket(id).status == .closed)
    }

    @Test("every lifecycle step is in the timeline and sets the status", arguments: LifecycleKind.allCases)
    func lifecycleSteps(kind: LifecycleKind) {
        var r = TestReplica("e17")
        let (id, _) = r.create()
        let body =
            kind == .assigned
            ? r.ticket(id).assigning(to: "E99", at: r.now) : r.ticket(id).step(kind, at: r.now, reason: "why")
        let op = r.make(body, on: id)
        let t = r.ticket(id)
        #expect(t.timeline.last?.id == op.id)
        #expect(t.timeline.last?.kind == .step(kind))
        #expect(t.status == kind.status)
        #expect(t.conflicts.isEmpty)
    }

    @Test func arrivalKeepsPositionAndDeviceTime() {
        var r = TestReplica("e17")
        let (id, _) = r.create()
        r.make(r.ticket(id).step(.arrived, at: 1_763_901_234_000, position: Position(latitude: 48.137, longitude: 11.575, accuracyMetres: 6.5)), on: id)
        let arrival = r.ticket(id).timeline.last!
        #expect(arrival.at == 1_763_901_234_000)
        #expect(arrival.position == Position(latitude: 48.137, longitude: 11.575, accuracyMetres: 6.5))
        #expect(r.ticket(id).status == .onSite)
    }

    @Test func notesAreOrderedByClockWhateverTheArrivalOrder() {
        var central = TestReplica("central")
        let (id, created) = central.create()
        var device = TestReplica("e17")
        device.receive([created])
        let n1 = device.make(.note(Note(text: "first", at: device.now)), on: id)
        let n2 = central.make(.note(Note(text: "second", at: central.now)), on: id)
        let n3 = device.make(.note(Note(text: "third", at: device.now)), on: id)
        var fresh = ReplicaState()
        fresh.apply(contentsOf: [n3, created, n2, n1, n3])
        let texts = fresh.tickets[id]!.notes.map(\.note.text)
        #expect(texts.count == 3)
        #expect(texts == [n1, n2, n3].sorted { $0.stamp < $1.stamp }.map {
            if case .note(let n) = $0.body { n.text } else { "" }
        })
    }

    @Test("a removal names one line; a concurrent add of the same part survives")
    func partLinesAddWins() throws {
        var central = TestReplica("central")
        let (id, created) = central.create()
        var device = TestReplica("e17")
        device.receive([created])
        let add = device.make(.partAdded(PartLine(partNumber: "PN-4471", quantity: Quantity(2), location: "van:E17")), on: id)
        central.receive([add])
        let remove = central.make(try central.ticket(id).removingPart(add.id), on: id)
        let again = device.make(.partAdded(PartLine(partNumber: "PN-4471", quantity: Quantity(1), location: "van:E17")), on: id)
        device.receive([remove])
        central.receive([again])
        #expect(device.ticket(id).parts.map(\.id) == [again.id])
        #expect(central.state == device.state)
        #expect(throws: ModelError.self) { try device.ticket(id).removingPart(add.id) }
    }

    @Test func removalArrivingBeforeItsLineStillRemovesIt() {
        var r = TestReplica("e17")
        let (id, created) = r.create()
        let add = r.make(.partAdded(PartLine(partNumber: "F-1", quantity: Quantity(1), location: "van:E17")), on: id)
        let remove = r.make(.partRemoved(PartRemoval(line: add.id)), on: id)
        var fresh = ReplicaState()
        fresh.apply(contentsOf: [remove, created, add])
        #expect(fresh.tickets[id]!.parts.isEmpty)
        #expect(fresh == r.state)
    }

    @Test func attachmentsAreKeptByContent() {
        var r = TestReplica("e17")
        let (id, _) = r.create()
        let photo = Attachment(kind: .photo, sha256: SHA256.hash([1, 2, 3]), byteSize: 3, mediaType: "image/jpeg", caption: "nameplate")
        r.make(.attachmentAdded(photo), on: id)
        let summary = WorkSummary(ticket: r.ticket(id))
        let sig = Attachment(
            kind: .signature, sha256: SHA256.hash([9]), byteSize: 1, mediaType: "image/png",
            signature: Signature(signer: "J. Doe", signedAt: r.now, summarySHA256: summary.sha256))
        r.make(.attachmentAdded(sig), on: id)
        let attachments = r.ticket(id).attachments.map(\.attachment)
        #expect(attachments == [photo, sig])
    }

    @Test("an op of an unknown kind changes no ticket and is not lost by the model")
    func unknownKind() {
        var r = TestReplica("e17")
        let (id, _) = r.create()
        let before = r.state
        let op = r.make(.unknown(UnknownOp(kind: OpKind(rawValue: 99), payload: [1, 2, 3])), on: id)
        #expect(r.state == before)
        #expect(op.body.kind.rawValue == 99)
        #expect(!op.body.isTicketOp)
    }

    @Test func opsBeforeTheCreationAreKeptAndStatusIsUnknown() {
        var r = TestReplica("e17")
        let (id, created) = r.create()
        let note = r.make(.note(Note(text: "early", at: r.now)), on: id)
        var fresh = ReplicaState()
        fresh.apply(note)
        #expect(fresh.tickets[id]?.status == .unknown)
        #expect(fresh.tickets[id]?.notes.count == 1)
        fresh.apply(created)
        #expect(fresh.tickets[id]?.status == .assigned)
    }

    @Test func digestDiffersWhenStatesDiffer() {
        var r = TestReplica("e17")
        let (id, _) = r.create()
        let d1 = r.state.digest
        r.make(.note(Note(text: "x", at: r.now)), on: id)
        #expect(r.state.digest != d1)
        #expect(r.ticket(id).digest == SHA256.hash(r.ticket(id).canonicalBytes))
    }
}
