import FieldModel
import FieldStore
import Foundation

/// Ops and principals the sync conformance tests share.
enum SyncFixtures {
    static let now: UInt64 = 1_780_000_000_000
    static let dispatcher = Principal(name: "dispatch", role: .dispatcher)
    static let e17 = Principal(name: "E17", role: .engineer)
    static let e18 = Principal(name: "E18", role: .engineer)
    static let desk = ReplicaID("dispatch-1")!
    static let tab17 = ReplicaID("e17-tab")!
    static let tab18 = ReplicaID("e18-tab")!

    static func op(_ replica: ReplicaID, _ counter: UInt64, on ticket: String, _ body: OpBody) -> Op {
        Op(id: OpID(replica: replica, counter: counter), wallMillis: now + counter * 1_000, logical: 0, subject: EntityID(ticket)!, body: body)
    }

    static func created(_ replica: ReplicaID, _ counter: UInt64, _ ticket: String, assignee: String) -> Op {
        op(replica, counter, on: ticket, .ticketCreated(TicketCreated(
            customer: "Acme", site: "Plant 3", deviceModel: "X2", category: "repair", fault: "trips", assignee: assignee, at: now)))
    }

    static func note(_ replica: ReplicaID, _ counter: UInt64, on ticket: String, _ text: String = "suction 4.1 bar") -> Op {
        op(replica, counter, on: ticket, .note(Note(text: text, at: now + counter * 1_000)))
    }

    static func assign(_ replica: ReplicaID, _ counter: UInt64, _ ticket: String, to engineer: String, replacing: [OpID]) -> Op {
        op(replica, counter, on: ticket, .fieldSet(FieldWrite(field: Field.assignee, value: engineer, replaces: replacing)))
    }

    static func ingest(_ store: any NodeStore, _ ops: [Op], from pusher: Principal, replica: ReplicaID, at now: UInt64 = now + 3_600_000)
        async throws(StoreError) -> IngestResult
    {
        try await store.ingest(
            ops, vouchers: nil, voucherKey: [], from: pusher, replica: replica, now: now, clockOffset: nil, maxAttachmentBytes: 256 << 20)
    }

    /// The code of the store's refusal of `body`; nil if it was not refused.
    static func refusal(_ body: () async throws -> some Any) async -> StoreError.Code? {
        do {
            _ = try await body()
            return nil
        } catch let error as StoreError {
            return error.code
        } catch {
            return nil
        }
    }

    /// Pages from `cursor` until at least `count` ops came (or 10 s passed: on PostgreSQL the
    /// horizon is the whole cluster's, and tests running beside this one hold it back a
    /// moment); the ops and the cursor after them.
    static func pull(
        _ store: any NodeStore, _ principal: Principal, as requester: ReplicaID, from cursor: [UInt8] = [], atLeast count: Int
    ) async throws -> (ops: [Op], cursor: [UInt8]) {
        var ops: [Op] = []
        var cursor = cursor
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let page = try await store.pull(for: principal, requester: requester, cursor: cursor, limit: 3)
            ops += page.ops
            cursor = page.cursor
            if page.more { continue }
            if ops.count >= count || ContinuousClock.now > deadline { return (ops, cursor) }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
