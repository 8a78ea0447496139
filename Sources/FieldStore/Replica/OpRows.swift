import FieldModel
import FieldWire
import Foundation
import GRDB

/// Reading and writing ops as rows of the `ops` table.
enum OpRows {
    static let columns = "seq, replica, counter, wall, logical, subject, kind, payload"

    /// Inserts `op` unless an op with its id is stored; returns its new `seq`, or nil if
    /// it was stored already. Throws if a stored op has the same id but different
    /// content (a replica reused a counter: refusing is the only way not to lose either).
    static func insert(_ op: Op, payload: [UInt8], _ db: Database) throws -> Int64? {
        let statement = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO ops (replica, counter, wall, logical, subject, kind, payload) VALUES (?, ?, ?, ?, ?, ?, ?)")
        try statement.execute(arguments: [
            op.id.replica.rawValue, Int64(bitPattern: op.id.counter), Int64(bitPattern: op.stamp.wallMillis),
            Int64(op.stamp.logical), op.subject.rawValue, Int64(bitPattern: op.body.kind.rawValue), Data(payload),
        ])
        if db.changesCount > 0 { return db.lastInsertedRowID }
        let stored = try Row.fetchOne(
            try db.cachedStatement(sql: "SELECT \(columns) FROM ops WHERE replica = ? AND counter = ?"),
            arguments: [op.id.replica.rawValue, Int64(bitPattern: op.id.counter)])
        if let stored, try decode(stored) == op { return nil }
        throw StoreError(
            .conflictingOp,
            "op \(op.id) differs from the op already stored under that id: replica \(op.id.replica) reused a counter")
    }

    /// Decodes a row of `columns`, read by position (cheaper than by name).
    static func decode(_ row: Row) throws -> Op {
        let seq: Int64 = row[0]
        let kind = OpKind(rawValue: UInt64(bitPattern: row[6]))
        let payload: Data = row[7]
        guard let replica = ReplicaID(row[1]), let subject = EntityID(row[5]) else {
            throw StoreError(.damaged, "op #\(seq) has an invalid id: the replica file is damaged")
        }
        let body: OpBody
        do throws(WireError) {
            body = try OpPayloadCodec.decode(kind: kind, payload: [UInt8](payload))
        } catch {
            throw StoreError.corruptOp(error, seq: seq)
        }
        return Op(
            id: OpID(replica: replica, counter: UInt64(bitPattern: row[2])),
            wallMillis: UInt64(bitPattern: row[3]), logical: UInt32(truncatingIfNeeded: row[4] as Int64),
            subject: subject, body: body)
    }

    /// Ops of `subject` stored after position `seq`, in order, and the last position.
    static func ops(of subject: EntityID, after seq: Int64 = 0, _ db: Database) throws -> (ops: [Op], lastSeq: Int64) {
        let rows = try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT \(columns) FROM ops WHERE subject = ? AND seq > ? ORDER BY seq"),
            arguments: [subject.rawValue, seq])
        return (try rows.map(decode), rows.last.map { $0[0] } ?? seq)
    }
}
