import FieldModel
import FieldStore
import Foundation
import NIOHTTP1

/// Moves photos and signatures between a replica and its node, resumably: an upload
/// asks the node what it holds and sends only the rest, in 1 MB chunks the node makes
/// durable one by one; a blob the node already has is never sent again.
public struct BlobTransfer: Sendable {
    public static let chunkSize = 8 << 20
    /// Consecutive failures of one blob before giving up (the link keeps breaking).
    static let attempts = 8

    /// Bytes moved so far, for progress lines.
    public struct Progress: Sendable {
        public var blobs = 0
        public var bytes: UInt64 = 0
        public var total: UInt64 = 0
        public var seconds = 0.0
    }

    let replica: FieldReplica
    let http: NodeHTTP

    public init(replica: FieldReplica, link: NodeLink) {
        self.replica = replica
        self.http = NodeHTTP(link: link)
    }

    /// Uploads every local blob the node has not confirmed. Returns what moved; a blob
    /// the node refuses (another's ticket) is reported in `refused`, the rest go on.
    public func uploadPending(progress: @Sendable (Progress) -> Void = { _ in }) async throws -> (Progress, refused: [String]) {
        let started = Date()
        var p = Progress()
        var refused: [String] = []
        let pending = try replica.store.unconfirmedBlobs().filter { replica.blobs.contains($0.digest) }
        p.total = pending.reduce(0) { $0 + $1.size }
        for blob in pending {
            var failures = 0
            while true {
                do {
                    let sent = try await upload(blob.digest) { chunk in
                        p.bytes += UInt64(chunk)
                        p.seconds = Date().timeIntervalSince(started)
                        progress(p)
                    }
                    if sent != nil { p.blobs += 1 }
                    try replica.store.confirmBlob(blob.digest, now: replica.clock())
                    break
                } catch let error as ClientError where error.code == .nodeRefused {
                    refused.append(error.message)
                    break
                } catch let error as ClientError where error.code == .nodeUnreachable {
                    failures += 1
                    if failures >= Self.attempts { throw error }
                    try await Task.sleep(for: .milliseconds(200 * failures))
                }
            }
        }
        return (p, refused)
    }

    /// Uploads one blob from what the node holds; nil if the node had it all already.
    func upload(_ digest: Digest, sent: (Int) -> Void) async throws -> UInt64? {
        let path = "/v1/blobs/\(digest.hex)"
        var held = try await status(digest)
        if held.complete { return nil }
        guard let file = FileHandle(forReadingAtPath: replica.blobs.path(for: digest)) else {
            throw ClientError(.badArgument, "blob \(digest.hex.prefix(12)) is missing from this replica's blob folder")
        }
        defer { try? file.close() }
        try file.seek(toOffset: held.bytes)
        while let chunk = try file.read(upToCount: Self.chunkSize), !chunk.isEmpty {
            let reply = try await http.send(.PUT, "\(path)?offset=\(held.bytes)", body: [UInt8](chunk))
            guard reply.status == 200, let bytes = reply.json["bytes"] as? NSNumber else {
                // Only a different offset is worth another try: the node holds other than we
                // thought, so go on from what it holds. Anything else (scope, size, an upload
                // of the same blob under way) is the node's answer, not a reason to loop.
                let now = try await status(digest)
                guard reply.status == 409, !now.complete, now.bytes != held.bytes else {
                    throw ClientError(.nodeRefused, "blob \(digest.hex.prefix(12)): \(reply.message)")
                }
                held = now
                try file.seek(toOffset: held.bytes)
                continue
            }
            sent(chunk.count)
            held.bytes = bytes.uint64Value
        }
        let done = try await http.send(.POST, "\(path)/finish")
        guard done.status == 200 else {
            throw ClientError(.nodeRefused, "the node refused blob \(digest.hex.prefix(12)): \(done.message)")
        }
        return held.bytes
    }

    func status(_ digest: Digest) async throws -> (complete: Bool, bytes: UInt64) {
        let reply = try await http.send(.GET, "/v1/blobs/\(digest.hex)/status")
        guard reply.status == 200 else { throw ClientError(.nodeRefused, "blob \(digest.hex.prefix(12)): \(reply.message)") }
        return (reply.json["state"] as? String == "complete", (reply.json["bytes"] as? NSNumber)?.uint64Value ?? 0)
    }

    /// Downloads every attachment of `ticket` that is not on this device, resuming a
    /// download that broke; each is verified by its SHA-256 before it becomes local.
    public func fetch(ticket raw: String, progress: @Sendable (Progress) -> Void = { _ in }) async throws -> Progress {
        let t = try replica.ticket(raw)
        let started = Date()
        var p = Progress()
        let missing = Dictionary(t.attachments.map { ($0.attachment.sha256, $0.attachment.byteSize) }) { a, _ in a }
            .filter { !replica.blobs.contains($0.key) }
        p.total = missing.values.reduce(0, +)
        for (digest, _) in missing.sorted(by: { $0.key < $1.key }) {
            var failures = 0
            while true {
                do {
                    try await download(digest) { n in
                        p.bytes += UInt64(n)
                        p.seconds = Date().timeIntervalSince(started)
                        progress(p)
                    }
                    p.blobs += 1
                    break
                } catch let error as ClientError where error.code == .nodeUnreachable {
                    failures += 1
                    if failures >= Self.attempts { throw error }
                    try await Task.sleep(for: .milliseconds(200 * failures))
                }
            }
        }
        return p
    }

    func download(_ digest: Digest, received: (Int) -> Void) async throws {
        let partial = replica.blobs.fetchPath(for: digest)
        try FileManager.default.createDirectory(
            atPath: (partial as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: partial) { _ = FileManager.default.createFile(atPath: partial, contents: nil) }
        let have = ((try? FileManager.default.attributesOfItem(atPath: partial))?[.size] as? NSNumber)?.intValue ?? 0
        guard let out = FileHandle(forWritingAtPath: partial) else { throw ClientError(.badArgument, "cannot write \(partial)") }
        defer { try? out.close() }
        try out.seekToEnd()
        _ = try await http.download("/v1/blobs/\(digest.hex)", to: out, from: have, received: received)
        guard try replica.blobs.adoptFetched(digest) else {
            throw ClientError(.badResponse, "blob \(digest.hex.prefix(12)) from the node does not match its hash: it was discarded; fetch again")
        }
        // It came from the node, so the node holds it: never upload it back.
        try replica.store.confirmBlob(digest, now: replica.clock())
    }
}
