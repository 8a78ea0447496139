import Foundation
import GRDB
import GRDBSQLite

/// One value to bind to a statement's parameter, as SQLite stores it.
enum DirectValue {
    case int(Int64)
    case text(String)
    case blob([UInt8])
}

/// Runs a statement that returns no rows by binding its parameters through SQLite's C
/// API, for the few statements run once per op on the hot path (an ingest stores
/// thousands of ops a second).
///
/// GRDB's `execute(arguments:)` boxes each argument as an existential, builds an
/// argument array and validates it on every call: for a one-row insert that was as much
/// time as SQLite's own work. The statement still comes from GRDB's cache (prepared once
/// per connection, invalidated on a schema change); errors are GRDB's `DatabaseError`,
/// so ``ReplicaStore/guarded(_:_:)`` reads them as before.
///
/// Only for statements without transaction side effects (INSERT, UPDATE, DELETE) inside
/// a transaction GRDB opened: GRDB's statement observation is bypassed, and nothing here
/// observes database changes.
enum DirectExecution {
    /// SQLite copies the bytes of text and blobs bound with this.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    static func execute(_ statement: Statement, _ values: DirectValue...) throws {
        try execute(statement, values)
    }

    static func execute(_ statement: Statement, _ values: [DirectValue]) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        defer { sqlite3_reset(handle) }
        for (i, value) in values.enumerated() {
            let index = CInt(i + 1)
            let code: CInt
            switch value {
            case .int(let v):
                code = sqlite3_bind_int64(handle, index, v)
            case .text(let s):
                code = sqlite3_bind_text(handle, index, s, -1, transient)
            case .blob(let bytes):
                // An empty buffer may have no base address, which SQLite would bind as NULL.
                code =
                    bytes.isEmpty
                    ? sqlite3_bind_zeroblob(handle, index, 0)
                    : bytes.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, CInt($0.count), transient) }
            }
            guard code == SQLITE_OK else { throw error(code, statement) }
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw error(code, statement) }
    }

    private static func error(_ code: CInt, _ statement: Statement) -> DatabaseError {
        let message = sqlite3_db_handle(statement.sqliteStatement).flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }
}
