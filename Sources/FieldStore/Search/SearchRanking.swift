import Foundation
import GRDB
import GRDBSQLite

/// The FTS5 auxiliary function `fieldsync_bm25(<table>, '<table>', everyRow, titleWeight, bodyWeight)`:
/// bm25 exactly as FTS5's own `bm25()` computes it (k1 = 1.2, b = 0.75, the same idf and
/// average length), with each document's length taken from a copy held in memory.
///
/// Why not FTS5's `bm25()`: for every matching row it asks `xColumnSize`, one lookup in the
/// `_docsize` table, and that lookup was most of a search's time. A word in 70% of 10,000
/// guides cost 8–10 ms to rank (`Tools/bench kb`), past the 10 ms a search may take, and
/// bounding the work (ranking only the newest matches) left good matches out. Here the
/// lengths of every document of a table are read once into memory per connection and read
/// again only after the database changed (`PRAGMA data_version` for other connections'
/// commits, `sqlite3_total_changes64` for this one's writes), so ranking a match costs its
/// position list and a dictionary lookup. A row the copy does not know (it cannot happen
/// while the version check holds) is asked of FTS5, so a stale copy can cost speed, never
/// a wrong score.
///
/// One instance per connection, registered by ``SearchIndex/register(_:)`` and released
/// by SQLite when the connection closes; SQLite calls it only from that connection, which
/// GRDB serialises, so its state needs no lock.
final class SearchRanking {
    static let functionName = "fieldsync_bm25"

    /// bm25's constants, as FTS5's `bm25()` has them.
    static let k1 = 1.2
    static let b = 0.75

    /// The SQL function that gives the idf a one-phrase query left out (see ``DeferredIDF``).
    static let idfFunctionName = "fieldsync_bm25_idf"

    private let connection: OpaquePointer
    private var lengths: [String: DocumentLengths] = [:]
    /// The last query's deferred idf: read by `fieldsync_bm25_idf()` after the query.
    let deferred: UnsafeMutablePointer<DeferredIDF>

    private init(connection: OpaquePointer) {
        self.connection = connection
        deferred = .allocate(capacity: 1)
        deferred.initialize(to: DeferredIDF())
    }

    deinit { deferred.deallocate() }

    /// A query of one phrase scores every row with the same idf, so the order of its rows
    /// does not depend on it: the rows are scored without it, and counted, and
    /// `fieldsync_bm25_idf()` gives it afterwards (the count of matches is the phrase's hit
    /// count). That spares the pass over every match FTS5's `bm25()` makes to count them
    /// first, as long as the whole search for a phrase of common bigrams (`xQueryPhrase`).
    /// Only a query that scores every row of its phrase may defer: its caller says so with
    /// `everyRow` = 1 (a query restricted by more than its MATCH passes 0). Queries of
    /// several phrases, or not every row, count each phrase first, as bm25() does, and the
    /// function gives 1. One query at a time per connection: the count is the connection's.
    struct DeferredIDF {
        var active = false
        var rows: Int64 = 0
        var matches: Int64 = 0

        var idf: Double {
            guard active else { return 1 }
            return SearchRanking.idf(rows: rows, hits: matches)
        }
    }

    /// bm25's idf, as FTS5 computes it (never below 1e-6).
    static func idf(rows: Int64, hits: Int64) -> Double {
        let value = log((Double(rows) - Double(hits) + 0.5) / (Double(hits) + 0.5))
        return value <= 0 ? 1e-6 : value
    }

    /// Registers the function on `db`'s connection. Call it once per connection.
    static func register(_ db: Database) {
        guard let connection = db.sqliteConnection else { return }
        let api = UnsafeMutablePointer(mutating: FTS5.api(db))
        let ranking = Unmanaged.passRetained(SearchRanking(connection: connection)).toOpaque()
        let rc = api.pointee.xCreateFunction(api, functionName, ranking, rankRow) { pointer in
            if let pointer { Unmanaged<SearchRanking>.fromOpaque(pointer).release() }
        }
        // Registration fails only when SQLite is out of memory; the table's searches then
        // fail with "no such function", which SearchIndex reports.
        if rc != SQLITE_OK {
            Unmanaged<SearchRanking>.fromOpaque(ranking).release()
            return
        }
        // The second function holds its own reference: SQLite may drop the two at different times.
        let reference = Unmanaged.passRetained(Unmanaged<SearchRanking>.fromOpaque(ranking).takeUnretainedValue()).toOpaque()
        sqlite3_create_function_v2(
            connection, idfFunctionName, 0, SQLITE_UTF8, reference,
            { context, _, _ in
                guard let context, let user = sqlite3_user_data(context) else { return }
                sqlite3_result_double(context, Unmanaged<SearchRanking>.fromOpaque(user).takeUnretainedValue().deferred.pointee.idf)
            }, nil, nil,
            { pointer in if let pointer { Unmanaged<SearchRanking>.fromOpaque(pointer).release() } })
    }

    /// Every document's length in tokens (all columns), by rowid, as FTS5 counted them:
    /// a table indexed by rowid when the rowids are dense (as the index's own keys are),
    /// a dictionary otherwise.
    final class DocumentLengths {
        let version: Version
        private let dense: [Int32]
        private let sparse: [Int64: Int32]

        /// -1 in `dense` marks a rowid without a document.
        init(version: Version, lengths: [(rowid: Int64, tokens: Int32)]) {
            self.version = version
            let largest = lengths.map(\.rowid).max() ?? 0
            if lengths.allSatisfy({ $0.rowid >= 0 }), largest < 4 * Int64(lengths.count) + 1_024 {
                var table = [Int32](repeating: -1, count: Int(largest) + 1)
                for entry in lengths { table[Int(entry.rowid)] = entry.tokens }
                dense = table
                sparse = [:]
            } else {
                dense = []
                sparse = Dictionary(lengths.map { ($0.rowid, $0.tokens) }, uniquingKeysWith: { a, _ in a })
            }
        }

        func tokens(_ rowid: Int64) -> Int32? {
            if rowid >= 0, rowid < Int64(dense.count) {
                let held = dense[Int(rowid)]
                return held >= 0 ? held : nil
            }
            return sparse[rowid]
        }
    }

    struct Version: Equatable {
        var dataVersion: Int64
        var ownChanges: Int64
    }

    /// The lengths of `table`'s documents, read again if the database changed since.
    func lengths(of table: String) -> DocumentLengths? {
        guard let version = currentVersion() else { return nil }
        if let held = lengths[table], held.version == version { return held }
        lengths[table] = nil
        guard SearchIndex.isPlainIdentifier(table) else { return nil }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(connection, #"SELECT id, sz FROM "\#(table)_docsize""#, -1, &statement, nil) == SQLITE_OK
        else { return nil }
        defer { sqlite3_finalize(statement) }
        var read: [(rowid: Int64, tokens: Int32)] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { return nil }
            let size = Int(sqlite3_column_bytes(statement, 1))
            guard let blob = sqlite3_column_blob(statement, 1)?.assumingMemoryBound(to: UInt8.self),
                let total = Self.sumOfVarints(UnsafeBufferPointer(start: blob, count: size))
            else { continue }  // left out: that row is asked of FTS5
            read.append((sqlite3_column_int64(statement, 0), total))
        }
        let loaded = DocumentLengths(version: version, lengths: read)
        lengths[table] = loaded
        return loaded
    }

    private func currentVersion() -> Version? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(connection, "PRAGMA data_version", -1, &statement, nil) == SQLITE_OK else { return nil }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else { return nil }
        return Version(dataVersion: sqlite3_column_int64(statement, 0), ownChanges: sqlite3_total_changes64(connection))
    }

    /// The sum of the SQLite varints in `bytes` (FTS5's `_docsize` row: one per column),
    /// or nil if they are malformed.
    static func sumOfVarints(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        var total: Int64 = 0
        var i = 0
        while i < bytes.count {
            var value: UInt64 = 0
            var length = 0
            while true {
                guard i < bytes.count else { return nil }
                let byte = bytes[i]
                i += 1
                length += 1
                if length == 9 {
                    value = (value << 8) | UInt64(byte)
                    break
                }
                value = (value << 7) | UInt64(byte & 0x7F)
                if byte & 0x80 == 0 { break }
            }
            guard value <= UInt64(Int32.max) else { return nil }
            total += Int64(value)
            guard total <= Int64(Int32.max) else { return nil }
        }
        return Int32(total)
    }

    /// What one MATCH query needs for every row: held by FTS5 as the query's aux data.
    /// Its buffers are allocated once per query: the per-row work reads and writes them
    /// without allocating (and without Swift's exclusivity checks on class properties,
    /// which cost as much as the arithmetic).
    final class Query {
        let phrases: Int
        let idf: UnsafeMutableBufferPointer<Double>
        let weights: UnsafeMutableBufferPointer<Double>
        let averageLength: Double
        let lengths: DocumentLengths?
        /// Counts the rows when the idf is deferred (one phrase).
        let counter: UnsafeMutablePointer<DeferredIDF>?

        init(idf: [Double], averageLength: Double, weights: [Double], lengths: DocumentLengths?, counter: UnsafeMutablePointer<DeferredIDF>?) {
            self.counter = counter
            phrases = idf.count
            self.idf = .allocate(capacity: max(idf.count, 1))
            _ = self.idf.initialize(from: idf)
            self.weights = .allocate(capacity: max(weights.count, 1))
            _ = self.weights.initialize(from: weights)
            self.averageLength = averageLength
            self.lengths = lengths
        }

        deinit {
            idf.deallocate()
            weights.deallocate()
        }
    }

    /// The query's figures, as FTS5's `bm25()` gathers them on its first row.
    static func makeQuery(
        _ api: UnsafePointer<Fts5ExtensionApi>, _ fts: OpaquePointer, table: String, weights: [Double], defer everyRow: Bool,
        ranking: SearchRanking
    ) -> Query? {
        var rows: Int64 = 0
        var tokens: Int64 = 0
        guard api.pointee.xRowCount(fts, &rows) == SQLITE_OK, api.pointee.xColumnTotalSize(fts, -1, &tokens) == SQLITE_OK
        else { return nil }
        let phrases = Int(api.pointee.xPhraseCount(fts))
        let deferring = everyRow && phrases == 1
        ranking.deferred.pointee = DeferredIDF(active: deferring, rows: rows, matches: 0)
        var idf: [Double] = deferring ? [1] : []
        for phrase in 0..<phrases where !deferring {
            var hits: Int64 = 0
            let rc = api.pointee.xQueryPhrase(fts, Int32(phrase), &hits) { _, _, counter in
                counter?.assumingMemoryBound(to: Int64.self).pointee += 1
                return SQLITE_OK
            }
            guard rc == SQLITE_OK else { return nil }
            idf.append(Self.idf(rows: rows, hits: hits))
        }
        return Query(
            idf: idf, averageLength: Double(tokens) / Double(max(rows, 1)), weights: weights,
            lengths: ranking.lengths(of: table), counter: deferring ? ranking.deferred : nil)
    }
}

/// FTS5 calls this for every row a `fieldsync_bm25(…)` query returns.
private let rankRow: fts5_extension_function = { api, fts, context, argumentCount, arguments in
    guard let api, let fts, let context, let user = api.pointee.xUserData(fts) else { return }
    let ranking = Unmanaged<SearchRanking>.fromOpaque(user).takeUnretainedValue()
    let query: SearchRanking.Query
    if let held = api.pointee.xGetAuxdata(fts, 0) {
        query = Unmanaged<SearchRanking.Query>.fromOpaque(held).takeUnretainedValue()
    } else {
        guard argumentCount >= 2, let arguments, let name = sqlite3_value_text(arguments[0]) else {
            sqlite3_result_error(
                context, "\(SearchRanking.functionName)(table, 'table', every row, weights…): the table's name is missing", -1)
            return
        }
        let everyRow = sqlite3_value_int(arguments[1]) != 0
        let weights = (2..<Int(argumentCount)).map { sqlite3_value_double(arguments[$0]) }
        guard
            let made = SearchRanking.makeQuery(
                api, fts, table: String(cString: name), weights: weights, defer: everyRow, ranking: ranking)
        else {
            sqlite3_result_error(context, "\(SearchRanking.functionName): FTS5 could not count the matches", -1)
            return
        }
        let held = Unmanaged.passRetained(made).toOpaque()
        guard api.pointee.xSetAuxdata(fts, held, { $0.map { Unmanaged<SearchRanking.Query>.fromOpaque($0).release() } }) == SQLITE_OK
        else {
            // FTS5 called the destructor itself.
            sqlite3_result_error_nomem(context)
            return
        }
        query = made
    }

    query.counter?.pointee.matches += 1
    // bm25's sum over the phrases, each phrase's weighted count read from its positions
    // (xPhraseFirst/Next: no instance array is built, as xInst would).
    let weights = query.weights
    var length: Int32 = -1
    if let held = query.lengths?.tokens(api.pointee.xRowid(fts)) {
        length = held
    } else {
        let rc = api.pointee.xColumnSize(fts, -1, &length)
        guard rc == SQLITE_OK else {
            sqlite3_result_error_code(context, rc)
            return
        }
    }
    let k1 = SearchRanking.k1
    let b = SearchRanking.b
    let norm = k1 * (1 - b + b * Double(length) / query.averageLength)
    var score = 0.0
    var iterator = Fts5PhraseIter()
    var column: Int32 = 0
    var offset: Int32 = 0
    for phrase in 0..<query.phrases {
        let rc = api.pointee.xPhraseFirst(fts, Int32(phrase), &iterator, &column, &offset)
        guard rc == SQLITE_OK else {
            sqlite3_result_error_code(context, rc)
            return
        }
        var f = 0.0
        while column >= 0 {
            f += Int(column) < weights.count ? weights[Int(column)] : 1
            api.pointee.xPhraseNext(fts, &iterator, &column, &offset)
        }
        score += query.idf[phrase] * (f * (k1 + 1)) / (f + norm)
    }
    sqlite3_result_double(context, -score)
}
