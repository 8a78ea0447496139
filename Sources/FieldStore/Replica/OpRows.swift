import FieldModel
import FieldWire
import Foundation
import GRDB

/// Reading and writing ops as rows of the `ops` table.
enum OpRows {
    static let columns = "seq, replica, counter, wall, logical, subject, kind, payload"

    /// Inserts `op` unless an op with its id is stored; returns true if it was new.
    /// Throws if a stored op has the same id but different content (a replica reused
    /// a counter: refusing is the only way not to lose either).
    static func insert(_ op: Op, payload: [UInt8], _ db: Database) throws -> Bool {
        try db.execute(
            sql: "INSERT OR IGNORE INTO ops (replica, counter, wall, logical, subject, kind, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                op.id.replica.rawValue, Int64(bitPattern: op.id.counter), Int64(bitPattern: op.stamp.wallMillis),
                Int64(op.stamp.logical), op.subject.rawValue, Int64(bitPattern: op.body.kind.rawValue), Data(payload),
            ])
        if db.changesCount > 0 { return true }
        let stored = try Row.fetchOne(
            db, sql: "SELECT \(columns) FROM ops WHERE replica = ? AND counter = ?",
            arguments: [op.id.replica.rawValue, Int64(bitPattern: op.id.counter)])
        if let stored, try decode(stored) == op { return false }
        throw StoreError(
            .conflictingOp,
            "op \(op.id) differs from the op already stored under that id: replica \(op.id.replica) reused a counter")
    }

    static func decode(_ row: Row) throws -> Op {
        let seq: Int64 = row["seq"]
        let kind = OpKind(rawValue: UInt64(bitPattern: row["kind"]))
        let payload: Data = row["payload"]
        guard let replica = ReplicaID(row["replica"]), let subject = EntityID(row["subject"]) else {
            throw StoreError(.damaged, "op #\(seq) has an invalid id: the replica file is damaged")
        }
        let body: OpBody
        do throws(WireError) {
            body = try OpPayloadCodec.decode(kind: kind, payload: [UInt8](payload))
        } catch {
            throw StoreError.corruptOp(error, seq: seq)
        }
        return Op(
            id: OpID(replica: replica, counter: UInt64(bitPattern: row["counter"])),
            wallMillis: UInt64(bitPattern: row["wall"]), logical: UInt32(truncatingIfNeeded: row["logical"] as Int64),
            subject: subject, body: body)
    }

    /// Every op of `subject`, in the order stored.
    static func ops(of subject: EntityID, _ db: Database) throws -> [Op] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM ops WHERE subject = ? ORDER BY seq", arguments: [subject.rawValue])
            .map(decode)
    }
}
