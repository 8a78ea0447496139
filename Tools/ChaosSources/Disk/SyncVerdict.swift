import FieldTestSupport
import Foundation

/// What one `fieldsync sync --json` came to, read from outside: its exit, its report
/// and its one-line error.
enum SyncVerdict {
    /// Everything went.
    case ok(report: [String: Any])
    /// Ops pushed and pulled; photos refused because the node's storage is full (507).
    case photosRefused(report: [String: Any], message: String)
    /// The whole sync refused because the node's op log cannot grow (507 `quota`).
    case syncRefused(message: String)
    /// This device could not store what it pulled.
    case deviceFull(message: String)
    /// Anything else: a finding wherever it happens.
    case failed(message: String)
    case crashed(message: String)

    static let nodeFullWords = "the node's storage is full"
    static let photosRefusedWords = "the node's storage is full: photos are refused"
    static let syncRefusedWords = "the node refused the sync (quota): the node's storage is full"
    static let deviceFullWords = "this device's storage is full"

    static func of(_ r: Ran) -> SyncVerdict { of(status: r.status, stdout: r.stdout, stderr: r.stderr, killed: r.killedBySignal) }

    static func of(status: Int32, stdout: String, stderr: String, killed: Bool) -> SyncVerdict {
        let error = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        if killed { return .crashed(message: error) }
        let report = (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] ?? [:]
        // With a report on stdout the ops went and the pull was stored; a refusal after
        // it is about photos.
        if report["pushed"] != nil {
            if status == 0 { return .ok(report: report) }
            let refused = report["refused"] as? String ?? error
            return refused.contains(photosRefusedWords) ? .photosRefused(report: report, message: refused) : .failed(message: refused)
        }
        if error.contains(syncRefusedWords) { return .syncRefused(message: error) }
        if error.contains(deviceFullWords) { return .deviceFull(message: error) }
        return .failed(message: error.isEmpty ? "exit \(status) with nothing on stderr" : error)
    }

    var report: [String: Any]? {
        switch self {
        case .ok(let report), .photosRefused(let report, _): report
        default: nil
        }
    }

    var message: String? {
        switch self {
        case .ok: nil
        case .photosRefused(_, let m), .syncRefused(let m), .deviceFull(let m), .failed(let m), .crashed(let m): m
        }
    }

    /// Whether the ops went both ways.
    var opsWent: Bool { report != nil }

    var name: String {
        switch self {
        case .ok: "ok"
        case .photosRefused: "photos refused (507)"
        case .syncRefused: "refused whole (507)"
        case .deviceFull: "device full"
        case .failed: "failed"
        case .crashed: "crashed"
        }
    }
}

/// What no answer from the node may carry: its files, or an internal failure.
enum NodeWords {
    /// A finding for `message` if it names one of the node's files or says the node failed
    /// (a 5xx other than 507); nil if it is clean.
    static func problem(in message: String, nodeData: String) -> String? {
        let lower = message.lowercased()
        for leak in [nodeData, "node.sqlite", "/partial", "/blobs/tmp", "errno", "enospc", "sqlite_full", "database or disk is full"] where lower.contains(leak.lowercased()) {
            return "[path] an answer names the node's files or internals (\(leak)): \(message.prefix(300))"
        }
        for failure in ["internal-error", "internal error", "the node failed to answer", "http 500", "http 502", "http 503"] where lower.contains(failure) {
            return "[5xx] the node failed instead of answering 507: \(message.prefix(300))"
        }
        return nil
    }
}
