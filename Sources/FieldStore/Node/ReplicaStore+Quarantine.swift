import FieldModel
import FieldWire
import Foundation
import GRDB

/// An op refused for scope, as a dispatcher sees it.
public struct QuarantinedOp: Sendable, Hashable {
    public let op: Op
    public let principal: String
    public let receivedAt: UInt64
    public let reason: String

    public init(op: Op, principal: String, receivedAt: UInt64, reason: String) {
        self.op = op
        self.principal = principal
        self.receivedAt = receivedAt
        self.reason = reason
    }
}

extension ReplicaStore {
    /// Every quarantined op, oldest first.
    public func quarantine() throws(StoreError) -> [QuarantinedOp] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM quarantine ORDER BY id").map { row in
                let payload: Data = row["payload"]
                let kind = OpKind(rawValue: UInt64(bitPattern: row["kind"]))
                guard let replica = ReplicaID(row["replica"]), let subject = EntityID(row["subject"]),
                    let body = try? OpPayloadCodec.decode(kind: kind, payload: [UInt8](payload))
                else { throw StoreError(.damaged, "a quarantined op cannot be read: the node's data is damaged") }
                let op = Op(
                    id: OpID(replica: replica, counter: UInt64(bitPattern: row["counter"])),
                    wallMillis: UInt64(bitPattern: row["wall"] as Int64), logical: UInt32(truncatingIfNeeded: row["logical"] as Int64), subject: subject, body: body)
                return QuarantinedOp(op: op, principal: row["principal"], receivedAt: UInt64(bitPattern: row["received_wall"] as Int64), reason: row["reason"])
            }
        }
    }
}

extension ReplicaStore {
    /// Takes out of quarantine the ops on `subjects` whose pusher now has the ticket in
    /// scope, for the caller to store in the log in the same transaction. A ticket comes
    /// into an engineer's scope after the fact when it is assigned to them, or when a node
    /// restored from a backup gets the ticket back from a device (SPEC §9.4): ops the
    /// engineer recorded on it, pushed before the ticket came back, then join it.
    static func releaseQuarantine(on subjects: Set<EntityID>, _ db: Database) throws -> [Op] {
        var released: [Op] = []
        // An empty quarantine (the rule) is known from one lookup, not one per ticket.
        guard try !DirectExecution.rows(db.cachedStatement(sql: "SELECT 1 FROM quarantine LIMIT 1")).isEmpty else { return [] }
        let inScope = "subject = ? AND EXISTS (SELECT 1 FROM ticket_scope s WHERE s.engineer = quarantine.principal AND s.ticket = quarantine.subject)"
        // Every push runs this for each ticket it touches, and almost always finds nothing:
        // cached statements (preparing these two per ticket cost more than the lookups), and
        // no DELETE when the SELECT under the same condition found no row.
        // The quarantine keeps no checksum: eight columns, as OpRows.decode reads them.
        let select = try db.cachedStatement(
            sql: "SELECT 0 AS seq, replica, counter, wall, logical, subject, kind, payload FROM quarantine WHERE \(inScope) ORDER BY replica, counter")
        for subject in subjects.sorted(by: { $0.rawValue < $1.rawValue }) {
            let ops = try Row.fetchAll(select, arguments: [subject.rawValue]).map(OpRows.decode)
            guard !ops.isEmpty else { continue }
            released += ops
            try db.cachedStatement(sql: "DELETE FROM quarantine WHERE \(inScope)").execute(arguments: [subject.rawValue])
        }
        return released
    }
}
