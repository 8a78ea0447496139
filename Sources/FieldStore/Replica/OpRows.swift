import FieldModel
import FieldWire
import Foundation
import GRDB

/// Reading and writing ops as rows of the `ops` table.
///
/// Each row keeps its op's checksum (``OpChecksum``), computed when the op was made or
/// first received, and every read recomputes it from the row: an op whose bytes changed
/// in the file is refused by name wherever it is read (a push, a pull page, `show`),
/// never passed on or silently applied.
enum OpRows {
    /// The columns ``decode(_:)`` reads, by position. `checksum` is last so that readers
    /// of the first eight (the quarantine has no checksum) decode the same way.
    static let columns = "seq, replica, counter, wall, logical, subject, kind, payload, checksum"

    /// Inserts `op` unless an op with its id is stored; returns its new `seq`, or nil if
    /// it was stored already. `sent` is the checksum the op travelled with, if any: an op
    /// whose content does not match it is refused, since what was sent is not what
    /// arrived. Throws if a stored op has the same id but different content (a replica
    /// reused a counter: refusing is the only way not to lose either).
    static func insert(_ op: Op, payload: [UInt8], sent: OpChecksum? = nil, _ db: Database) throws -> Int64? {
        let checksum = OpChecksum(op, payload: payload)
        if let sent, sent != checksum {
            throw StoreError(
                .damaged,
                "op \(op.id) does not match the checksum it came with (\(sent), its content gives \(checksum)): it was damaged at its sender or on the way, and nothing was stored")
        }
        let statement = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO ops (replica, counter, wall, logical, subject, kind, payload, checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        // Once per op stored: bound directly (see DirectExecution).
        try DirectExecution.execute(
            statement, .text(op.id.replica.rawValue), .int(Int64(bitPattern: op.id.counter)),
            .int(Int64(bitPattern: op.stamp.wallMillis)), .int(Int64(op.stamp.logical)), .text(op.subject.rawValue),
            .int(Int64(bitPattern: op.body.kind.rawValue)), .blob(payload), .int(Int64(checksum.rawValue)))
        if db.changesCount > 0 { return db.lastInsertedRowID }
        let stored = try Row.fetchOne(
            try db.cachedStatement(sql: "SELECT \(columns) FROM ops WHERE replica = ? AND counter = ?"),
            arguments: [op.id.replica.rawValue, Int64(bitPattern: op.id.counter)])
        if let stored, try decode(stored) == op { return nil }
        throw StoreError(
            .conflictingOp,
            "op \(op.id) differs from the op already stored under that id: replica \(op.id.replica) reused a counter")
    }

    /// Decodes a row of `columns`, read by position (cheaper than by name). When the row
    /// has its checksum (a ninth column, not NULL), the op's bytes must still match it.
    static func decode(_ row: Row) throws -> Op {
        if row.count > 8, let problem = checksumProblem(row) {
            throw StoreError(.damaged, problem.message)
        }
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

    /// What is wrong with a row of `columns` whose stored checksum does not match its
    /// content; nil when it matches or none is stored (a row written before checksums,
    /// by an older version: `check` reports those).
    static func checksumProblem(_ row: Row) -> DamagedOp? {
        // Read through the raw storage: a damaged record may hold a value of another type,
        // which GRDB's typed subscripts would trap on.
        func int(_ i: Int) -> Int64? { if case .int64(let v) = (row[i] as DatabaseValue).storage { v } else { nil } }
        func text(_ i: Int) -> String? { if case .string(let v) = (row[i] as DatabaseValue).storage { v } else { nil } }
        let seq = int(0) ?? 0
        guard !(row[8] as DatabaseValue).isNull else { return nil }
        guard let stored = int(8), let replica = text(1), let counter = int(2), let wall = int(3), let logical = int(4),
            let subject = text(5), let kind = int(6), case .blob(let payload) = (row[7] as DatabaseValue).storage
        else {
            return DamagedOp(seq: seq, id: text(1).flatMap { r in int(2).map { "\(UInt64(bitPattern: $0))@\(r)" } } ?? "op #\(seq)", problem: .unreadable)
        }
        let actual = OpChecksum(
            replica: replica, counter: UInt64(bitPattern: counter), wallMillis: UInt64(bitPattern: wall),
            logical: UInt32(truncatingIfNeeded: logical), subject: subject, kind: UInt64(bitPattern: kind),
            payload: payload)
        if Int64(actual.rawValue) == stored { return nil }
        return DamagedOp(seq: seq, id: "\(UInt64(bitPattern: counter))@\(replica)", problem: .checksumMismatch)
    }

    /// Ops of `subject` stored after position `seq`, in order, and the last position.
    static func ops(of subject: EntityID, after seq: Int64 = 0, _ db: Database) throws -> (ops: [Op], lastSeq: Int64) {
        let rows = try Row.fetchAll(
            try db.cachedStatement(sql: "SELECT \(columns) FROM ops WHERE subject = ? AND seq > ? ORDER BY seq"),
            arguments: [subject.rawValue, seq])
        return (try rows.map(decode), rows.last.map { $0[0] } ?? seq)
    }
}
