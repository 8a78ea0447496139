import FieldModel
import FieldStore
import Foundation

/// What `fieldsync-node ticket …`, `tickets` and `kb …` do, acting as the central replica,
/// on either backend (``CentralStore``): one SQLite node's folder, or a central on
/// PostgreSQL that several node processes and admin commands write to at once.
public struct CentralAdmin: Sendable {
    let store: any CentralStore
    /// Where `kb import` stores article images: the blobs the central's nodes serve.
    let images: any ArticleImageStore
    let clock: @Sendable () -> UInt64

    public init(
        _ store: any CentralStore, images: any ArticleImageStore,
        clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.store = store
        self.images = images
        self.clock = clock
    }

    // MARK: Tickets

    /// Creates a ticket at central, assigned to `assignee`; returns its id.
    public func createTicket(
        customer: String, site: String, deviceModel: String, category: String, fault: String, priority: String,
        asset: String, assignee: String
    ) async throws -> TicketID {
        try Self.checkEngineer(assignee)
        let now = clock()
        let created = TicketCreated(
            customer: customer, site: site, asset: asset, deviceModel: deviceModel, category: category,
            fault: fault, priority: priority, assignee: assignee, at: now)
        let made = try await store.writeAsCentral([.createTicket(created)], now: now)
        guard let id = made.first?.subject else { throw StoreError(.database, "the central recorded no op for the new ticket") }
        return id
    }

    public func assign(ticket raw: String, to engineer: String) async throws {
        try Self.checkEngineer(engineer)
        try await record(raw) { t, now in t.assigning(to: engineer, at: now) }
    }

    public func set(ticket raw: String, field: String, value: String) async throws {
        guard Field.isValid(field) else {
            throw NodeError.badRequest("unknown field '\(field)': use one of \(Field.all.joined(separator: ", ")) or custom.NAME")
        }
        try await record(raw) { t, now in field == Field.assignee ? t.assigning(to: value, at: now) : t.setting(field, to: value) }
    }

    public func ticket(_ raw: String) async throws -> Ticket {
        guard let id = EntityID(raw), let t = try await store.ticket(id) else {
            throw NodeError.notFound("no ticket '\(raw)' on this node: `fieldsync-node tickets` lists them")
        }
        return t
    }

    public func tickets() async throws -> [TicketSummary] { try await store.tickets() }

    /// Checks each signature on the ticket against its work summary as central holds it.
    public func verify(ticket raw: String) async throws -> [SignatureCheck] {
        let t = try await ticket(raw)
        let checks = SignatureCheck.checks(of: t, ops: try await store.ops(of: t.id))
        guard !checks.isEmpty else { throw NodeError.notFound("ticket \(t.id) has no signature to verify") }
        return checks
    }

    func record(_ raw: String, _ make: @escaping @Sendable (Ticket, UInt64) -> OpBody) async throws {
        let id = try await ticket(raw).id
        _ = try await store.writeAsCentral([.onTicket(id, make)], now: clock())
    }

    static func checkEngineer(_ engineer: String) throws {
        guard ReplicaID.isValid(engineer) else {
            throw NodeError.badRequest("engineer id '\(engineer)' must be letters, digits, '.', '_' or '-'")
        }
    }
}
