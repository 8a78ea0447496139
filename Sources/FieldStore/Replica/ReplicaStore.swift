import FieldModel
import FieldWire
import Foundation
import GRDB

/// A replica on disk: the op log and the materialised tickets, in one SQLite file (WAL).
///
/// Every change runs in one transaction: a crash leaves the replica as it was before the
/// change or after it, never between. Thread-safe: GRDB serialises writes (a
/// `DatabaseQueue` for a device; a `DatabasePool` with concurrent readers for a node).
///
/// ```swift
/// let store = try ReplicaStore.create(at: path, replica: ReplicaID("e17-ab12")!, engineer: "E17")
/// try store.edit(now: nowMillis) { edit in
///     let t = try edit.ticket(id)
///     try edit.record(t.step(.arrived, at: nowMillis, position: p), on: id)
/// }
/// ```
public final class ReplicaStore: Sendable {
    let db: any DatabaseWriter
    let cache = TicketCache()
    public let path: String
    public let identity: ReplicaIdentity
    /// Set when this open found the file to be a copy (restored from a backup, or copied
    /// to another disk) and forked the replica: the id it recorded under until now
    /// (``StoreLineage``, SPEC §9.3).
    public let forkedFrom: ReplicaID?

    /// The env variable a crash test sets to kill the process inside a write transaction
    /// (debug builds only).
    public static let crashTestVariable = "FIELDSYNC_TEST_CRASH"

    private init(db: any DatabaseWriter, path: String, identity: ReplicaIdentity, forkedFrom: ReplicaID? = nil) {
        self.db = db
        self.path = path
        self.identity = identity
        self.forkedFrom = forkedFrom
    }

    /// Creates a new replica file at `path`; refuses if one is there.
    public static func create(at path: String, replica: ReplicaID, engineer: String) throws(StoreError) -> ReplicaStore {
        if FileManager.default.fileExists(atPath: path) {
            throw StoreError(.alreadyInitialised, "a replica already exists at \(path); use it, or choose another home")
        }
        let queue = try connect(path)
        let identity = ReplicaIdentity(replica: replica, engineer: engineer)
        try guarded(path) {
            try queue.write { db in
                try Meta.set(Meta.replica, replica.rawValue, db)
                try Meta.set(Meta.engineer, engineer, db)
                try Meta.set(Meta.nextCounter, "1", db)
                try ReplicaProgress.advance(replica, to: 0, owner: ReplicaProgress.selfOwner, db)
                _ = try StoreLineage.check(path: path, db)
            }
        }
        return ReplicaStore(db: queue, path: path, identity: identity)
    }

    /// Opens the replica at `path`. A node passes `concurrentReads` so pulls read in
    /// parallel with the one writer.
    public static func open(at path: String, concurrentReads: Bool = false) throws(StoreError) -> ReplicaStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.notInitialised, "no replica at \(path): run `fieldsync init --engineer ID` first")
        }
        let queue = try connect(path, concurrentReads: concurrentReads)
        // A full disk cannot record the fork: the store then opens for reading as it is,
        // and forks at the first open that can write (nothing is recorded before).
        let copied = (try? queue.read { db in try Meta.get(StoreLineage.fileKey, db) != StoreLineage.identity(of: path) }) ?? false
        let forkedFrom = copied ? try? queue.write { db in try StoreLineage.check(path: path, db) } : nil
        let identity = try guarded(path) {
            try queue.read { db -> ReplicaIdentity? in
                guard let raw = try Meta.get(Meta.replica, db), let replica = ReplicaID(raw),
                    let engineer = try Meta.get(Meta.engineer, db)
                else { return nil }
                return ReplicaIdentity(replica: replica, engineer: engineer)
            }
        }
        guard let identity else {
            throw StoreError(.damaged, "\(path) is not a FieldSync replica (no identity): restore it from a backup or init a new home")
        }
        return ReplicaStore(db: queue, path: path, identity: identity, forkedFrom: forkedFrom ?? nil)
    }

    /// Opens the file. On a full disk a device still opens its replica, so `show` and the
    /// other commands that only read keep working: WAL's shared-memory index (`-shm`,
    /// created at each open and removed at the last close) cannot be made there, so the
    /// replica is opened in exclusive locking mode, which keeps that index in memory.
    /// Reading needs no space; a write then fails as `diskFull`, changing nothing.
    private static func connect(_ path: String, concurrentReads: Bool = false) throws(StoreError) -> any DatabaseWriter {
        do {
            return try connect(path, concurrentReads: concurrentReads, exclusive: false)
        } catch let error where error.code == .diskFull && !concurrentReads {
            return try connect(path, concurrentReads: false, exclusive: true)
        }
    }

    private static func connect(_ path: String, concurrentReads: Bool, exclusive: Bool) throws(StoreError) -> any DatabaseWriter {
        try guarded(path) {
            var config = Configuration()
            config.busyMode = .timeout(10)
            // Article search's tokenizer, on every connection before the index is touched.
            SearchIndex.registerOnEveryConnection(&config)
            let writer: any DatabaseWriter
            if concurrentReads {
                // A node's requests read at once, each on a thread of its own (FieldNode's
                // BlockingWork): with GRDB's default of 5 readers, six heavy pulls left a
                // token check waiting for a reader until one of them ended.
                config.maximumReaderCount = Self.nodeReaders
                // The pool puts the file in WAL mode itself.
                config.prepareDatabase { db in try db.execute(sql: "PRAGMA page_size = \(Self.pageSize); PRAGMA synchronous = FULL") }
                let pool = try DatabasePool(path: path, configuration: config)
                // GRDB's pool sets `synchronous = NORMAL` on its writer after our
                // prepareDatabase: a push acknowledged to a device could then be lost with the
                // machine's power. Set again on the one connection that commits.
                // Its page cache holds the B-trees' upper levels of a year's store (~600 MB
                // for 1M stock movements): with SQLite's 2 MB, each op read them again from
                // the OS, and ingest slowed as the store grew.
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA cache_size = -\(Self.nodeWriterCacheKiB)") }
                writer = pool
            } else {
                // The locking mode must be set before the first access to the WAL.
                let locking = exclusive ? "PRAGMA locking_mode = EXCLUSIVE; " : ""
                config.prepareDatabase { db in
                    try db.execute(sql: locking + "PRAGMA page_size = \(Self.pageSize); PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL")
                }
                writer = try DatabaseQueue(path: path, configuration: config)
            }
            try ReplicaSchema.migrator.migrate(writer)
            return writer
        }
    }

    /// The writing connection's `PRAGMA synchronous` (2: FULL, every commit on disk before
    /// it is acknowledged), for tests.
    package func writerSynchronous() throws(StoreError) -> Int {
        try write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Pages of new replica files: an article (~2 KB of text) and its index rows fit one
    /// 8 KB page where 4 KB pages leave most of a second one empty (the search index took
    /// 2.56× its text at 8 KB against 3.19× at 4 KB). Files made earlier keep theirs.
    public static let pageSize = 8192

    /// The node's writing connection's page cache, in KiB.
    public static let nodeWriterCacheKiB = 65_536

    /// How many connections read a node's store at once (a `DatabasePool`'s readers).
    public static let nodeReaders = 16

    /// Runs `body`, turning database errors into store errors that say what to do.
    static func guarded<T>(_ path: String, _ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT
        {
            throw StoreError(
                .damaged, "the replica at \(path) is damaged or not a FieldSync replica: restore it from a backup, or move it aside and run `fieldsync init` again",
                underlying: error)
        } catch let error as DatabaseError where isFull(error, at: path) {
            // No path in the message: a node's store errors reach its log, not its callers,
            // but the words are the same on both sides.
            throw StoreError.diskFull(underlying: error)
        } catch let error as DatabaseError {
            throw StoreError(.database, "the replica at \(path) could not be used: \(error.message ?? "\(error.resultCode)")", underlying: error)
        } catch {
            throw StoreError(.io, "the replica at \(path) could not be used: \(error)", underlying: error)
        }
    }

    /// Is `error` SQLite finding no room? SQLITE_FULL says so itself; an I/O error (the
    /// `-shm` index cannot grow, a write fails with ENOSPC) says so when the file system
    /// holding the replica has less than a page group left.
    static func isFull(_ error: DatabaseError, at path: String) -> Bool {
        if error.resultCode == .SQLITE_FULL { return true }
        guard error.resultCode == .SQLITE_IOERR else { return false }
        let folder = (path as NSString).deletingLastPathComponent
        return (DiskSpace.available(at: folder.isEmpty ? "." : folder) ?? .max) < 64 << 10
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        try Self.guarded(path) { try db.read(body) }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        try Self.guarded(path) {
            try db.write { db in
                let result = try body(db)
                #if DEBUG
                    // Test hook, compiled into debug builds only (a release binary reads no
                    // such variable): die the hard way with the transaction's work done but
                    // not committed.
                    if ProcessInfo.processInfo.environment[Self.crashTestVariable] == "inside-transaction" {
                        kill(getpid(), SIGKILL)
                    }
                #endif
                return result
            }
        }
    }
}

extension ReplicaStore {
    /// The ticket as stored now, from the cache brought up to date with any ops stored
    /// after it, or derived from the log; nil if no op of `id` is stored.
    func current(_ id: TicketID, _ db: Database) throws -> TicketCache.Entry? {
        let cached = cache.get(id)
        let (ops, lastSeq) = try OpRows.ops(of: id, after: cached?.seq ?? 0, db)
        guard cached != nil || !ops.isEmpty else { return nil }
        var ticket = cached?.ticket ?? Ticket(id: id)
        for op in ops { ticket.apply(op) }
        return TicketCache.Entry(ticket: ticket, seq: lastSeq)
    }
}

/// Who this replica is: its id and the engineer it belongs to.
public struct ReplicaIdentity: Sendable, Hashable {
    public let replica: ReplicaID
    public let engineer: String
}
