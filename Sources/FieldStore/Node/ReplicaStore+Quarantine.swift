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
