import FieldModel
import FieldStore
import Foundation

/// What `fieldsync-node` admin commands do, acting as the central replica. They open
/// the data folder directly, so they work while the server runs (SQLite WAL lets them
/// write beside it; the server picks their ops up by op-log position).
public struct NodeAdmin: Sendable {
    public let store: ReplicaStore
    let clock: @Sendable () -> UInt64

    public init(dataDirectory: String, clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }) throws {
        store = try NodeData.open(dataDirectory)
        self.clock = clock
    }

    // MARK: Tickets

    /// Creates a ticket at central, assigned to `assignee`; returns its id.
    public func createTicket(
        customer: String, site: String, deviceModel: String, category: String, fault: String, priority: String,
        asset: String, assignee: String
    ) throws -> TicketID {
        guard ReplicaID.isValid(assignee) else {
            throw NodeError.badRequest("engineer id '\(assignee)' must be letters, digits, '.', '_' or '-'")
        }
        let now = clock()
        let (id, _) = try store.edit(now: now) { edit in
            try edit.createTicket(
                TicketCreated(
                    customer: customer, site: site, asset: asset, deviceModel: deviceModel, category: category,
                    fault: fault, priority: priority, assignee: assignee, at: now)
            ).subject
        }
        return id
    }

    public func assign(ticket raw: String, to engineer: String) throws {
        guard ReplicaID.isValid(engineer) else {
            throw NodeError.badRequest("engineer id '\(engineer)' must be letters, digits, '.', '_' or '-'")
        }
        try record(raw) { t, now in t.assigning(to: engineer, at: now) }
    }

    public func set(ticket raw: String, field: String, value: String) throws {
        guard Field.isValid(field) else {
            throw NodeError.badRequest("unknown field '\(field)': use one of \(Field.all.joined(separator: ", ")) or custom.NAME")
        }
        try record(raw) { t, now in field == Field.assignee ? t.assigning(to: value, at: now) : t.setting(field, to: value) }
    }

    public func ticket(_ raw: String) throws -> Ticket {
        guard let id = EntityID(raw), let t = try store.ticket(id) else {
            throw NodeError.notFound("no ticket '\(raw)' on this node: `fieldsync-node tickets` lists them")
        }
        return t
    }

    public func tickets() throws -> [TicketSummary] { try store.tickets() }

    /// Checks each signature on the ticket against its work summary as central holds it.
    public func verify(ticket raw: String) throws -> [SignatureCheck] {
        let t = try ticket(raw)
        let checks = try store.verifySignatures(of: t.id)
        guard !checks.isEmpty else { throw NodeError.notFound("ticket \(t.id) has no signature to verify") }
        return checks
    }

    func record(_ raw: String, _ make: (Ticket, UInt64) -> OpBody) throws {
        let id = try ticket(raw).id
        let now = clock()
        _ = try store.edit(now: now) { edit in try edit.record(make(try edit.ticket(id), now), on: id) }
    }
}
