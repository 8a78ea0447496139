import FieldModel
import FieldStore
import FieldWire
import NIOCore
import PostgresNIO

/// An op as a row of the central's `ops` table (and of `quarantine`, whose op columns are
/// the same): the wire's payload encoding and the checksum the op travels with, so a row
/// damaged in the database is named when read, never served.
struct OpRecord {
    /// The op columns, in the order ``Row`` decodes them.
    static let columns = "replica, counter, wall, logical, subject, kind, payload, checksum"
    typealias Row = (String, Int64, Int64, Int64, String, Int64, ByteBuffer, Int64)

    let replica: String
    let counter: Int64
    let wall: Int64
    let logical: Int64
    let subject: String
    let kind: Int64
    let payload: ByteBuffer
    let checksum: Int64

    init(_ op: Op) {
        let payload = OpPayloadCodec.encode(op.body)
        replica = op.id.replica.rawValue
        counter = Int64(bitPattern: op.id.counter)
        wall = Int64(bitPattern: op.stamp.wallMillis)
        logical = Int64(op.stamp.logical)
        subject = op.subject.rawValue
        kind = Int64(bitPattern: op.body.kind.rawValue)
        self.payload = ByteBuffer(bytes: payload)
        checksum = Int64(OpChecksum(op, payload: payload).rawValue)
    }

    /// The op a row holds, after checking it against its checksum.
    static func decode(_ row: Row) throws(StoreError) -> Op {
        guard let replica = ReplicaID(row.0), let subject = EntityID(row.4) else {
            throw StoreError(.damaged, "an op in the central database has an invalid id (\(row.0.prefix(40))/\(row.1)): the database was damaged")
        }
        let payload = Array(row.6.readableBytesView)
        let kind = UInt64(bitPattern: row.5)
        guard OpChecksum(
            replica: row.0, counter: UInt64(bitPattern: row.1), wallMillis: UInt64(bitPattern: row.2),
            logical: UInt32(truncatingIfNeeded: row.3), subject: row.4, kind: kind, payload: payload
        ).rawValue == UInt32(truncatingIfNeeded: row.7)
        else {
            throw StoreError(.damaged, "op \(row.0)/\(row.1) in the central database does not match its checksum: the database was damaged")
        }
        let body: OpBody
        do { body = try OpPayloadCodec.decode(kind: OpKind(rawValue: kind), payload: payload) } catch {
            throw StoreError(.damaged, "op \(row.0)/\(row.1) in the central database cannot be read (\(error)): the database was damaged")
        }
        return Op(
            id: OpID(replica: replica, counter: UInt64(bitPattern: row.1)), wallMillis: UInt64(bitPattern: row.2),
            logical: UInt32(truncatingIfNeeded: row.3), subject: subject, body: body)
    }
}
