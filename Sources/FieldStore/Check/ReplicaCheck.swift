import FieldModel
import Foundation
import GRDB

/// Looks for damage in a replica file: SQLite's own integrity check, every op's checksum
/// (``OpChecksum``) against its row, and every materialised ticket row against the
/// ticket its ops give. It only reads: a damaged file is never "repaired" into a state
/// that looks right, since the ops are the truth and a guess would be passed on.
///
/// A device's damage is recovered by pulling its history from the node into a new home
/// (its unsynced ops, listed in the report, exist nowhere else); a node's by restoring
/// its data folder from a backup.
public enum ReplicaCheck {
    /// Checks the file at `path`, opened read-only (nothing is migrated or written).
    /// `quick` runs `PRAGMA quick_check` and checks only the replica's unsynced ops;
    /// `device` lists those ops (a node's own ops are not "unsynced").
    /// Throws only for unusable input (no file); damage, even a file SQLite cannot read
    /// at all, is reported.
    public static func run(path: String, quick: Bool, device: Bool) throws(StoreError) -> CheckReport {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.notInitialised, "no replica at \(path): check the path (a device's is HOME/replica.sqlite, a node's DATA/node.sqlite)")
        }
        let report = run(path: path, quick: quick, device: device, exclusive: false)
        // On a full disk SQLite cannot make the WAL's shared-memory index (`-shm`) that a
        // reader needs: that is no damage. In exclusive locking mode it keeps the index in
        // memory, as the store does when it opens on a full disk.
        let folder = (path as NSString).deletingLastPathComponent
        if !report.integrity.isEmpty, (DiskSpace.available(at: folder.isEmpty ? "." : folder) ?? .max) < 64 << 10 {
            return run(path: path, quick: quick, device: device, exclusive: true)
        }
        return report
    }

    static func run(path: String, quick: Bool, device: Bool, exclusive: Bool) -> CheckReport {
        var report = CheckReport(mode: quick ? "quick" : "full", path: path)
        let queue: DatabaseQueue
        do {
            var config = Configuration()
            config.busyMode = .timeout(10)
            // The integrity check reads the article search index, whose tokenizer is ours.
            SearchIndex.registerOnEveryConnection(&config)
            if exclusive {
                // A read-only connection cannot do without the shared index; this one keeps
                // it in memory and is made read-only by `query_only`: nothing is written.
                config.prepareDatabase { db in try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE; PRAGMA query_only = 1") }
            } else {
                config.readonly = true
            }
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            report.integrity.append("SQLite cannot open the file: \(describe(error))")
            return report
        }
        do {
            report = try queue.read { db in
                var r = report
                check(db, quick: quick, device: device, into: &r)
                return r
            }
        } catch {
            report.integrity.append("SQLite cannot read the file: \(describe(error))")
        }
        return report
    }

    /// Runs the checks on an open database. Each step records what it finds and goes on,
    /// so one unreadable table does not hide damage elsewhere.
    static func check(_ db: Database, quick: Bool, device: Bool, into report: inout CheckReport) {
        func step(_ what: String, _ body: () throws -> Void) {
            do { try body() } catch { report.integrity.append("\(what) could not be read: \(describe(error))") }
        }
        step("the replica's identity") {
            report.replica = try Meta.get(Meta.replica, db)
            report.engineer = try Meta.get(Meta.engineer, db)
        }
        step("SQLite's \(quick ? "quick" : "integrity") check") {
            let found = try String.fetchAll(db, sql: quick ? "PRAGMA quick_check(100)" : "PRAGMA integrity_check(100)")
            if found != ["ok"] { report.integrity += found }
        }
        var acked: UInt64 = 0
        step("the sync state") { acked = UInt64(try Meta.get(ReplicaStore.ackedKey, db) ?? "0") ?? 0 }
        var hasChecksums = false
        step("the ops table's columns") {
            hasChecksums = try Row.fetchAll(db, sql: "PRAGMA table_info(ops)").contains { ($0["name"] as String?) == "checksum" }
        }
        let columns = hasChecksums ? OpRows.columns : OpRows.columns.replacingOccurrences(of: "checksum", with: "NULL AS checksum")
        let replica = report.replica ?? ""
        if device {
            step("the unsynced ops") {
                report.unsyncedOps = try Int64.fetchAll(
                    db, sql: "SELECT counter FROM ops WHERE replica = ? AND counter > ? ORDER BY counter",
                    arguments: [replica, Int64(bitPattern: acked)]
                ).map { "\(UInt64(bitPattern: $0))@\(replica)" }
            }
        }
        if quick {
            guard device else { return }
            step("the unsynced ops") {
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT \(columns) FROM ops WHERE replica = ? AND counter > ? ORDER BY counter",
                    arguments: [replica, Int64(bitPattern: acked)])
                while let row = try rows.next() { _ = verified(row, checksums: hasChecksums, into: &report) }
            }
            return
        }
        // Every op, grouped by ticket (the subject index), deriving each ticket as it goes.
        var derived: [String: String] = [:]
        step("the op log") {
            var subject: String?
            var ticket: Ticket?
            func finish() {
                if let subject, let ticket { derived[subject] = ticket.digest.hex }
            }
            let rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM ops ORDER BY subject, seq")
            while let row = try rows.next() {
                let rowSubject: String? = if case .string(let s) = (row[5] as DatabaseValue).storage { s } else { nil }
                if rowSubject != subject {
                    finish()
                    subject = rowSubject
                    ticket = nil
                }
                guard let op = verified(row, checksums: hasChecksums, into: &report), op.body.isTicketOp else { continue }
                if ticket == nil { ticket = Ticket(id: op.subject) }
                ticket!.apply(op)
            }
            finish()
        }
        step("the tickets table") {
            var stored: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, digest FROM tickets") {
                if case .string(let id) = (row[0] as DatabaseValue).storage {
                    stored[id] = if case .string(let d) = (row[1] as DatabaseValue).storage { d } else { "" }
                }
            }
            let ids = Set(stored.keys).union(derived.keys).sorted()
            report.ticketsChecked = ids.count
            for id in ids where stored[id] != derived[id] {
                report.ticketMismatches.append(CheckReport.TicketMismatch(ticket: id, stored: stored[id], derived: derived[id]))
            }
        }
    }

    /// The op of `row` if its checksum holds and it decodes; otherwise records why not.
    /// `checksums`: the file has the column (a file from before checksums has none to
    /// compare, which is not damage).
    private static func verified(_ row: Row, checksums: Bool, into report: inout CheckReport) -> Op? {
        report.opsChecked += 1
        if let problem = OpRows.checksumProblem(row) {
            report.damagedOps.append(problem)
            return nil
        }
        let seq: Int64 = if case .int64(let s) = (row[0] as DatabaseValue).storage { s } else { 0 }
        if checksums && (row[8] as DatabaseValue).isNull {
            report.damagedOps.append(DamagedOp(seq: seq, id: "op #\(seq)", problem: .noChecksum))
            return nil
        }
        do {
            return try OpRows.decode(row)
        } catch {
            report.damagedOps.append(DamagedOp(seq: seq, id: "op #\(seq)", problem: .unreadable))
            return nil
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return e.message ?? "\(e.resultCode)" }
        return "\(error)"
    }
}

extension ReplicaStore {
    /// The check `fieldsync sync` runs first, fast enough for every sync: `PRAGMA
    /// quick_check` and the checksums of this replica's unsynced ops (what a push would
    /// send). Throws `damaged`, naming what is wrong, so nothing damaged leaves the device.
    public func quickCheck() throws(StoreError) {
        let report = try read { db in
            var r = CheckReport(mode: "quick", path: path)
            ReplicaCheck.check(db, quick: true, device: true, into: &r)
            return r
        }
        if report.isClean { return }
        let what = report.damagedOps.first.map { "op \($0.id) is damaged: \($0.explanation)" }
            ?? "SQLite finds the file damaged (\(report.integrity.first ?? "?"))"
        throw StoreError(
            .damaged,
            "this replica is damaged: \(what). Nothing was sent; run `fieldsync check` to see all damage and how to recover")
    }
}
