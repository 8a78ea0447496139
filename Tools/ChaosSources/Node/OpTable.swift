import FieldModel
import FieldStore
import Foundation
import GRDB

/// One op row as a store (node or replica) holds it.
struct StoredOp: Hashable, Sendable {
    let replica: String
    let counter: Int64
    let wall: Int64
    let logical: Int64
    let subject: String
    let kind: Int64
    let payload: [UInt8]

    var id: String { "\(counter)@\(replica)" }
}

/// Reads the `ops` table of a node's or a replica's SQLite without changing it.
enum OpTable {
    static func read(_ path: String) throws -> [StoredOp] {
        try withDatabase(path) { db in
            try Row.fetchAll(db, sql: "SELECT replica, counter, wall, logical, subject, kind, payload FROM ops ORDER BY seq").map { row in
                StoredOp(
                    replica: row["replica"], counter: row["counter"], wall: row["wall"], logical: row["logical"],
                    subject: row["subject"], kind: row["kind"], payload: [UInt8]((row["payload"] as Data?) ?? Data()))
            }
        }
    }

    /// Runs `body` on a read-only connection (read-write if the folder does not allow a
    /// read-only WAL reader; only SELECTs are run either way).
    static func withDatabase<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            return try DatabaseQueue(path: path, configuration: configuration).read(body)
        } catch {
            var writable = Configuration()
            writable.busyMode = .timeout(10)
            return try DatabaseQueue(path: path, configuration: writable).read(body)
        }
    }

    /// SHA-256 (hex) of a file's bytes, read in chunks; nil if it cannot be read.
    static func fileSHA256(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let hasher = BlobHasher()
        while let chunk = try? handle.read(upToCount: 4 << 20), !chunk.isEmpty { hasher.update(chunk) }
        return hasher.digest.hex
    }
}
