extension Ticket {
    /// A write of `value` to `field` that replaces every value now live, so it settles
    /// any conflict on that field.
    public func setting(_ field: String, to value: String) -> OpBody {
        .fieldSet(FieldWrite(field: field, value: value, replaces: register(field).values.map(\.id)))
    }

    /// A lifecycle step recorded after every current timeline head.
    public func step(
        _ kind: LifecycleKind, at: UInt64, position: Position? = nil, reason: String? = nil
    ) -> OpBody {
        .lifecycle(
            LifecycleEvent(
                kind: kind, at: at, after: timelineHeads.map(\.id), position: position, reason: reason))
    }

    /// Assigns the ticket to `engineer`, replacing every current assignee value.
    public func assigning(to engineer: String, at: UInt64) -> OpBody {
        .lifecycle(
            LifecycleEvent(
                kind: .assigned, at: at, after: timelineHeads.map(\.id), assignee: engineer,
                replaces: register(Field.assignee).values.map(\.id)))
    }

    /// Removes part line `line`; throws if this ticket has no such line in use.
    public func removingPart(_ line: OpID) throws(ModelError) -> OpBody {
        guard partEntries[line] != nil, !removedLines.contains(line) else {
            throw ModelError(.unknownLine, "ticket \(id) has no part line \(line) in use: see `fieldsync show \(id)`")
        }
        return .partRemoved(PartRemoval(line: line))
    }
}
