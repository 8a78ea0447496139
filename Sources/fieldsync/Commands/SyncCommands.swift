import ArgumentParser
import FieldClient
import FieldModel
import FieldStore
import Foundation
import Synchronization

struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remember the node to sync with and your token (stored readable by you only).",
        discussion: """
            Examples:
              fieldsync login --node https://sync.example.com --token fs_3f…
              fieldsync login --node https://depot-7.lan:8443 --token fs_3f… --ca depot-ca.pem
            """)

    @Option(help: "The node's address, http(s)://HOST:PORT.") var node: String
    @Option(help: "Your token, from dispatch.") var token: String
    @Option(
        help: ArgumentHelp(
            "The CA certificate (PEM) that signed the node's HTTPS certificate, for a node with its own CA.",
            discussion: "A copy is kept in the replica; only that CA is then trusted for this node. A login without --ca trusts the system's roots again."))
    var ca: String?
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.withReplica { r in
            try NodeLink.save(home: r.home, url: node, token: token, ca: ca)
            global.emit(["node": node]) { "✓ this replica now syncs with \(node); run `fieldsync sync`" }
        }
    }
}

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Push what you recorded and pull what is new for you, in one round trip when it fits.",
        discussion: """
            Safe to run any time and to repeat: a resend changes nothing, and an interrupted sync
            continues where it stopped. With no signal it says so and keeps everything local.
            Example:
              fieldsync sync
              fieldsync sync --json
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        do {
            let replica = announcingFork(try FieldReplica.open(home: global.fieldHome))
            let link = try NodeLink.load(home: replica.home)
            let waiting = try replica.store.unacknowledgedCount(after: try replica.store.syncState().acked)
            let live = isatty(STDERR_FILENO) == 1 && !global.json
            if live { FileHandle.standardError.write(Data("syncing with \(link.url): \(waiting) op(s) to push\n".utf8)) }
            let stopped = InterruptNotice()
            var report = try await SyncClient(replica: replica, link: link).sync { r in
                stopped.note("\(r.pushed) op(s) pushed, \(r.pulled) pulled")
                guard live else { return }
                let line = "\r↑ \(r.pushed) ops \(kb(r.bytesUp))   ↓ \(r.pulled) ops \(kb(r.bytesDown))   \(r.roundTrips) round trip(s)"
                FileHandle.standardError.write(Data(line.utf8))
            }
            if live { FileHandle.standardError.write(Data("\n".utf8)) }
            // Ops first (the node accepts only blobs its ops refer to), then photos.
            let (moved, refusedBlobs) = try await BlobTransfer(replica: replica, link: link).uploadPending { p in
                stopped.note("ops synced; \(mb(p.bytes)) of \(mb(p.total)) of photos sent")
                guard live else { return }
                FileHandle.standardError.write(Data(progressLine("↑ photos", p).utf8))
            }
            if live && moved.total > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
            report.blobsUploaded = moved.blobs
            report.blobBytesUp = moved.bytes
            if let first = refusedBlobs.first, report.refused == nil { report.refused = first }
            global.emit(report) {
                var line = "✓ synced with \(report.node): pushed \(report.pushed), pulled \(report.pulled) ops (\(kb(report.bytesUp)) up, \(kb(report.bytesDown)) down) in \(report.milliseconds) ms"
                if report.blobsUploaded > 0 { line += "; \(report.blobsUploaded) photo(s)/signature(s) sent, \(mb(report.blobBytesUp))" }
                if report.resent > 0 || report.givenBack > 0 {
                    line += "\n↺ the node had lost ops (restored from a backup): \(report.resent) of this device's sent again, \(report.givenBack) of others' given back"
                }
                if let why = report.givenBackRefused {
                    line += "\n⚠ the node would not take back others' ops it had lost (\(why)); they stay on this device"
                }
                if report.clockOffsetMs.magnitude > 120_000 {
                    line += "\n⚠ this device's clock is \(ClockOffset.minutes(report.clockOffsetMs)) min \(report.clockOffsetMs > 0 ? "slow" : "fast"); stamps are corrected, but please set the clock"
                }
                return line
            }
            if let refused = report.refused {
                FileHandle.standardError.write(Data("error: \(refused)\n".utf8))
                throw ExitCode(1)
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// One progress line for photos, redrawn in place: what moved of what, the photo moving,
/// the measured rate and the time left ("measuring" until the first chunk is confirmed).
func progressLine(_ what: String, _ p: BlobTransfer.Progress) -> String {
    var line = "\r\(what) \(mb(p.bytes)) of \(mb(p.total))"
    if let current = p.current { line += " (\(current.prefix(4))…)" }
    if let rate = p.rate {
        line += "  \(rate < 1_048_576 ? String(format: "%.1f KB/s", rate / 1024) : String(format: "%.1f MB/s", rate / 1_048_576))"
        if let left = p.secondsLeft { line += "  \(duration(left)) left" }
    } else {
        line += "  measuring the link…"
    }
    return line + "   "
}

/// "40 s", "12 min", "2 h 5 min".
func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded(.up))
    if s < 90 { return "\(s) s" }
    if s < 5400 { return "\((s + 30) / 60) min" }
    return "\(s / 3600) h \((s % 3600) / 60) min"
}

func kb(_ bytes: Int) -> String { bytes < 1024 ? "\(bytes) B" : "\(bytes / 1024) KB" }
/// Bytes for the engineer: KB below 100 KB (a small image is not "0.0 MB"), MB above.
func mb(_ bytes: UInt64) -> String {
    bytes < 100 << 10 ? "\(bytes >> 10) KB" : String(format: "%.1f MB", Double(bytes) / 1_048_576)
}

struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download a ticket's photos and signatures that are not on this device.",
        discussion: "The morning sync does not fetch every photo; fetch what you need. A broken download resumes.\nExample:\n  fieldsync fetch T1-central")

    @Argument(help: "The ticket id.") var ticket: String
    @OptionGroup var global: GlobalOptions

    struct Output: Encodable {
        let ticket: String
        let fetched: Int
        let bytes: UInt64
        /// Attachments the node does not hold yet: their device has not sent them.
        let notOnNode: Int
    }

    func run() async throws {
        try await fetching(global, { transfer, progress in try await transfer.fetch(ticket: ticket, progress: progress) }) { p in
            global.emit(Output(ticket: ticket, fetched: p.blobs, bytes: p.bytes, notOnNode: p.notOnNode)) {
                let waiting = p.notOnNode == 0 ? "" : "; \(p.notOnNode) not on the node yet (the device that took it has not synced it): fetch again later"
                if p.blobs == 0 && p.notOnNode == 0 { return "Every attachment of \(ticket) is already on this device." }
                return "✓ fetched \(p.blobs) attachment(s) of \(ticket), \(mb(p.bytes))" + waiting
            }
        }
    }
}

/// Runs a download from the node (`fetch`, `kb fetch`) with the replica and its link
/// opened and a live progress line on a terminal, then `report`s what moved; any failure
/// is one line and exit 1.
func fetching(
    _ global: GlobalOptions, _ download: (BlobTransfer, @escaping @Sendable (BlobTransfer.Progress) -> Void) async throws -> BlobTransfer.Progress,
    report: (BlobTransfer.Progress) -> Void
) async throws {
    do {
        let replica = announcingFork(try FieldReplica.open(home: global.fieldHome))
        let link = try NodeLink.load(home: replica.home)
        let live = isatty(STDERR_FILENO) == 1 && !global.json
        let drawn = Mutex(false)
        let p = try await download(BlobTransfer(replica: replica, link: link)) { p in
            guard live else { return }
            drawn.withLock { $0 = true }
            FileHandle.standardError.write(Data(progressLine("↓", p).utf8))
        }
        if drawn.withLock({ $0 }) { FileHandle.standardError.write(Data("\n".utf8)) }
        report(p)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}
