/// Moves a replica's ops to new ids: what a replica restored from a backup does with
/// the ops it recorded after the restore, once it learns that its node already holds
/// other ops under those counters. Content stays; ids, and every reference to a moved
/// op (replaced values, timeline predecessors, removed part lines, the ticket a moved
/// creation made), follow the move.
public struct OpRenumbering: Sendable {
    /// Old id → new id of every op moved so far.
    public private(set) var moved: [OpID: OpID] = [:]

    public init() {}

    /// `op` remade by `maker` with the next counter and a stamp no earlier than the
    /// original, its references to earlier moved ops rewritten.
    public mutating func move(_ op: Op, with maker: inout OpMaker) -> Op {
        let subject = self.subject(op.subject)
        let body = rewrite(op.body)
        let made: Op
        if case .ticketCreated(let created) = body, op.subject == EntityID.ticket(createdBy: op.id) {
            made = maker.createTicket(created, now: op.stamp.wallMillis)
        } else if case .entity(let e) = body, e.body is StockSent, op.subject == StockTransfer.id(sentBy: op.id) {
            // A transfer is named after the op that sends it, as a ticket is.
            made = maker.make(body, on: StockTransfer.id(sentBy: OpID(replica: maker.replica, counter: maker.nextCounter)), now: op.stamp.wallMillis)
        } else {
            made = maker.make(body, on: subject, now: op.stamp.wallMillis)
        }
        moved[op.id] = made.id
        return made
    }

    /// The subject after the move: a ticket created, or a transfer sent, by a moved op is
    /// renamed with it.
    public func subject(_ subject: EntityID) -> EntityID {
        for (old, new) in moved {
            if subject == EntityID.ticket(createdBy: old) { return EntityID.ticket(createdBy: new) }
            if subject == StockTransfer.id(sentBy: old) { return StockTransfer.id(sentBy: new) }
        }
        return subject
    }

    func id(_ id: OpID) -> OpID { moved[id] ?? id }

    func rewrite(_ body: OpBody) -> OpBody {
        switch body {
        case .fieldSet(let w):
            return .fieldSet(FieldWrite(field: w.field, value: w.value, replaces: w.replaces.map(id)))
        case .lifecycle(let e):
            return .lifecycle(LifecycleEvent(
                kind: e.kind, at: e.at, after: e.after.map(id), assignee: e.assignee, replaces: e.replaces.map(id),
                position: e.position, reason: e.reason))
        case .partRemoved(let r):
            return .partRemoved(PartRemoval(line: id(r.line)))
        case .entity(let e):
            return .entity(EntityOp(e.body.mapOpIDs(id)))
        case .ticketCreated, .note, .partAdded, .attachmentAdded, .unknown:
            return body
        }
    }
}
