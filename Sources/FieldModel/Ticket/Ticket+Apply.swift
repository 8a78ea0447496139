extension Ticket {
    /// Applies one op to this ticket. Ops of other subjects, and ops of kinds this
    /// version does not know, leave the ticket unchanged. Idempotent and order-free.
    public mutating func apply(_ op: Op) {
        guard op.subject == id else { return }
        switch op.body {
        case .ticketCreated(let created):
            createdBy = op.id
            for (field, value) in created.fields {
                registers[field, default: Register()].write(
                    RegisterValue(id: op.id, stamp: op.stamp, value: value), replacing: [])
            }
            events[op.id] = TimelineEvent(
                id: op.id, stamp: op.stamp, kind: .created, at: created.at, after: [],
                assignee: created.fields[Field.assignee], position: nil, reason: nil)

        case .fieldSet(let write):
            registers[write.field, default: Register()].write(
                RegisterValue(id: op.id, stamp: op.stamp, value: write.value), replacing: write.replaces)

        case .lifecycle(let event):
            events[op.id] = TimelineEvent(
                id: op.id, stamp: op.stamp, kind: .step(event.kind), at: event.at, after: event.after,
                assignee: event.assignee, position: event.position, reason: event.reason)
            superseded.formUnion(event.after)
            if event.kind == .assigned, let assignee = event.assignee {
                registers[Field.assignee, default: Register()].write(
                    RegisterValue(id: op.id, stamp: op.stamp, value: assignee), replacing: event.replaces)
            }

        case .note(let note):
            noteEntries[op.id] = NoteEntry(id: op.id, stamp: op.stamp, note: note)

        case .partAdded(let line):
            partEntries[op.id] = PartLineEntry(id: op.id, stamp: op.stamp, line: line)

        case .partRemoved(let removal):
            removedLines.insert(removal.line)

        case .attachmentAdded(let attachment):
            attachmentEntries[op.id] = AttachmentEntry(id: op.id, stamp: op.stamp, attachment: attachment)

        case .entity, .unknown:
            break
        }
    }

    /// Merges another replica's view of the same ticket into this one: the union of
    /// both. Commutative, associative and idempotent.
    public mutating func merge(_ other: Ticket) {
        guard other.id == id else { return }
        if let theirs = other.createdBy { createdBy = createdBy.map { min($0, theirs) } ?? theirs }
        registers.merge(other.registers) { mine, theirs in
            var merged = mine
            merged.merge(theirs)
            return merged
        }
        events.merge(other.events) { mine, _ in mine }
        superseded.formUnion(other.superseded)
        noteEntries.merge(other.noteEntries) { mine, _ in mine }
        partEntries.merge(other.partEntries) { mine, _ in mine }
        removedLines.formUnion(other.removedLines)
        attachmentEntries.merge(other.attachmentEntries) { mine, _ in mine }
    }

    /// This ticket merged with `other`.
    public func merging(_ other: Ticket) -> Ticket {
        var copy = self
        copy.merge(other)
        return copy
    }
}
