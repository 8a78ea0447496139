import Foundation
import GRDB
import GRDBSQLite

/// One value to bind to a statement's parameter, as SQLite stores it.
enum DirectValue: Equatable {
    case int(Int64)
    case text(String)
    case blob([UInt8])
    case null

    /// The text, or "" for any other value (columns declared `TEXT NOT NULL`).
    var string: String {
        if case .text(let s) = self { return s }
        return ""
    }

    /// The integer, or 0 for any other value (columns declared `INTEGER NOT NULL`).
    var integer: Int64 {
        if case .int(let v) = self { return v }
        return 0
    }
}

/// Runs a statement by binding its parameters and reading its rows through SQLite's C
/// API, for the few statements run once per op or per ticket on the hot path (an ingest
/// stores thousands of ops a second).
///
/// GRDB's `execute(arguments:)` boxes each argument as an existential, builds an
/// argument array and validates it on every call: for a one-row insert that was as much
/// time as SQLite's own work. The statement still comes from GRDB's cache (prepared once
/// per connection, invalidated on a schema change); errors are GRDB's `DatabaseError`,
/// so ``ReplicaStore/guarded(_:_:)`` reads them as before.
///
/// Only for statements without transaction side effects (SELECT, INSERT, UPDATE, DELETE)
/// inside a transaction GRDB opened: GRDB's statement observation is bypassed, and
/// nothing here observes database changes.
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
        try bind(statement, values)
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw error(code, statement) }
    }

    /// The rows a SELECT returns, each its columns' values in order.
    static func rows(_ statement: Statement, _ values: DirectValue...) throws -> [[DirectValue]] {
        var out: [[DirectValue]] = []
        try each(statement, values) { out.append($0) }
        return out
    }

    /// Hands each row a SELECT returns to `body` as it comes, without holding them all.
    /// Named parameters (`:name`) take `values` in the order they first appear.
    static func each(_ statement: Statement, _ values: [DirectValue], _ body: ([DirectValue]) throws -> Void) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        defer { sqlite3_reset(handle) }
        try bind(statement, values)
        let columns = sqlite3_column_count(handle)
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw error(code, statement) }
            try body((0..<columns).map { column(handle, $0) })
        }
    }

    private static func column(_ handle: OpaquePointer?, _ i: CInt) -> DirectValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .int(sqlite3_column_int64(handle, i))
        case SQLITE_NULL: return .null
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, i))
            guard count > 0, let base = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: base, count: count)))
        default:
            // Text (and a float, read as its text): the bytes SQLite holds, as UTF-8.
            guard let text = sqlite3_column_text(handle, i) else { return .text("") }
            return .text(String(decoding: UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, i))), as: UTF8.self))
        }
    }

    private static func bind(_ statement: Statement, _ values: [DirectValue]) throws {
        let handle = statement.sqliteStatement
        // Too few values would leave the last call's bound to the rest: a programming error.
        guard sqlite3_bind_parameter_count(handle) == CInt(values.count) else {
            throw DatabaseError(resultCode: .SQLITE_RANGE, message: "\(values.count) values for \(sqlite3_bind_parameter_count(handle)) parameters", sql: statement.sql)
        }
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
            case .null:
                code = sqlite3_bind_null(handle, index)
            }
            guard code == SQLITE_OK else { throw error(code, statement) }
        }
    }

    private static func error(_ code: CInt, _ statement: Statement) -> DatabaseError {
        let message = sqlite3_db_handle(statement.sqliteStatement).flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }
}
