import FieldModel
import FieldStore
import PostgresNIO

/// One transaction of the central's own writes on PostgreSQL. Several node processes and
/// admin commands may write as the central at once: each first locks the central's
/// `replica_progress` row, so the next waits until this one commits and then reads the
/// counters and stamp it took. The ops are then stored and materialised by ``Ingest``, as
/// a push from the central's own replica.
struct CentralWriter {
    let connection: PostgresConnection
    let logger: Logger
    let replica: ReplicaID
    let now: UInt64

    /// How the central's own ops pass the push checks (the owner of its own replica, as
    /// SQLite records it; no token can have this name).
    static var principal: Principal { Principal(name: PushCheck.selfOwner, role: .admin) }

    func write(_ writes: [CentralWrite]) async throws -> [Op] {
        var maker = try await lockedMaker()
        var tickets: [TicketID: Ticket] = [:]
        var made: [Op] = []
        for write in writes {
            switch write {
            case .createTicket(let created):
                let op = maker.createTicket(created, now: now)
                tickets[op.subject] = Ticket(id: op.subject)
                tickets[op.subject]!.apply(op)
                made.append(op)
            case .onTicket(let id, let make):
                if tickets[id] == nil {
                    let ops = try await EntityMaterialiser(connection: connection, logger: logger).ops(of: id)
                    guard id.kind == .ticket, !ops.isEmpty else {
                        throw StoreError(.unknownTicket, "no ticket \(id) at central: `fieldsync-node tickets` lists them")
                    }
                    var ticket = Ticket(id: id)
                    // The new op is stamped after every op on the ticket it changes.
                    for op in ops {
                        ticket.apply(op)
                        maker.observe(op.stamp, now: now)
                    }
                    tickets[id] = ticket
                }
                let op = maker.make(make(tickets[id]!, now), on: id, now: now)
                tickets[id]!.apply(op)
                made.append(op)
            case .onEntity(let id, let body):
                guard id.kind != .ticket else { throw StoreError(.invalidOp, "\(id) is a ticket's id: record ticket ops on it") }
                made.append(maker.make(.entity(EntityOp(body)), on: id, now: now))
            case .sendStock(let sent, let arrived):
                let id = StockTransfer.id(sentBy: OpID(replica: maker.replica, counter: maker.nextCounter))
                made.append(maker.make(.entity(EntityOp(sent)), on: id, now: now))
                if let arrived { made.append(maker.make(.entity(EntityOp(StockArrived(quantity: arrived))), on: id, now: now)) }
            }
        }
        for op in made {
            do { try op.validate() } catch { throw StoreError.invalid(error) }
        }
        _ = try await Ingest(connection: connection, logger: logger, pusher: Self.principal, now: now)
            .run(made, vouched: [:], replica: replica, clockOffset: nil)
        return made
    }

    /// The central's op maker: its next counter from its progress row, locked until this
    /// transaction ends, and its clock past the last op it made.
    func lockedMaker() async throws -> OpMaker {
        try await connection.checkedQuery(
            """
            INSERT INTO replica_progress (replica, acked, owner) VALUES (\(replica.rawValue), 0, \(PushCheck.selfOwner))
            ON CONFLICT (replica) DO NOTHING
            """, logger: logger)
        let rows = try await connection.checkedQuery(
            "SELECT acked, owner FROM replica_progress WHERE replica = \(replica.rawValue) FOR UPDATE", logger: logger
        ).decode((Int64, String).self).all()
        guard let row = rows.first else {
            throw StoreError(.database, "the central's progress row vanished while it was locked")
        }
        let (acked, owner) = row
        guard owner == PushCheck.selfOwner else {
            throw StoreError(.forbidden, "the central's replica \(replica) was pushed by \(owner): the database was tampered with")
        }
        let last = try await connection.checkedQuery(
            "SELECT wall, logical FROM ops WHERE replica = \(replica.rawValue) ORDER BY counter DESC LIMIT 1", logger: logger
        ).decode((Int64, Int64).self).all().first
        let stamp = last.map {
            Timestamp(wallMillis: UInt64(bitPattern: $0.0), logical: UInt32(truncatingIfNeeded: $0.1), replica: replica)
        }
        return OpMaker(clock: HybridClock(replica: replica, last: stamp), nextCounter: UInt64(bitPattern: acked) &+ 1)
    }
}
