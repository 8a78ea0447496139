import FieldModel
import FieldWire
import GRDB

/// One digest of a whole op log, the same for the same ops on either backend: SHA-256 over
/// each op's id and checksum (which covers its content), in (replica, counter) order. A
/// move between backends compares it on both sides (`fieldsync-node migrate`).
public struct OpLogDigest: Sendable, Equatable, CustomStringConvertible {
    public private(set) var count = 0
    private var hasher = SHA256()

    public init() {}

    /// Adds the next op, in (replica, counter) order: replica ids by their bytes (SQL's
    /// `COLLATE "C"`; ids are ASCII), so both sides read in one order.
    public mutating func add(_ op: Op) {
        let checksum = OpChecksum(op, payload: OpPayloadCodec.encode(op.body)).rawValue
        hasher.update(Array("\(op.id.replica.rawValue) \(op.id.counter) \(checksum)\n".utf8))
        count += 1
    }

    /// The digest of the ops added so far.
    public var value: Digest {
        var copy = hasher
        return copy.finalize()
    }

    public var description: String { "\(count) ops, sha256 \(value.hex)" }

    public static func == (a: OpLogDigest, b: OpLogDigest) -> Bool { a.count == b.count && a.value == b.value }
}

extension ReplicaStore {
    /// The digest of this store's whole op log (``OpLogDigest``).
    public func opLogDigest() throws(StoreError) -> OpLogDigest {
        try read { db in
            var digest = OpLogDigest()
            let cursor = try Row.fetchCursor(db, sql: "SELECT \(OpRows.columns) FROM ops ORDER BY replica, counter")
            while let row = try cursor.next() { digest.add(try OpRows.decode(row)) }
            return digest
        }
    }
}
