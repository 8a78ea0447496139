import FieldCentral
import FieldModel
import FieldStore
import Foundation

/// `fieldsync-node migrate --from DIR --postgres URL`: moves a node's SQLite central into an
/// empty PostgreSQL database, so devices sync on against nodes on PostgreSQL without noticing:
/// same central id and voucher key, same tokens, every op, the same state.
///
/// Ops go in through the store's own ingest, a page at a time in log order, each op with the
/// old central's voucher naming its owner (SPEC §3.10, as a device gives back what a restored
/// node lost): every entity is materialised exactly as a push would, and no scope rule is
/// applied twice. Both sides' op-log digests and every ticket's state digest are compared at
/// the end; a move that does not match is reported, never called done.
public enum CentralMove {
    /// What was moved, and the digests that matched.
    public struct Report: Sendable, Encodable {
        public var ops: Int
        public var tickets: Int
        public var articles: Int
        public var tokens: Int
        public var quarantined: Int
        public var replicas: Int
        /// Complete blobs (photos, signatures, article images) moved, and their bytes.
        public var blobs: Int
        public var blobBytes: UInt64
        /// SHA-256 of the op log, the same on both sides.
        public var opLogDigest: String
        /// The central's replica id, kept.
        public var central: String
    }

    /// Ops per ingest transaction.
    static let page = 2_000

    /// Moves the central in `folder` into `target`, which must be empty. `progress` gets
    /// (ops moved, ops in all).
    public static func run(
        from folder: String, to target: PostgresNodeStore, now: UInt64 = UInt64(Date().timeIntervalSince1970 * 1000),
        progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> Report {
        guard FileManager.default.fileExists(atPath: folder + "/node.sqlite") else {
            throw NodeError.notFound("no node in \(folder) (it has no node.sqlite): give the data folder `serve --data` used")
        }
        let source = try NodeData.open(folder)
        let held = try await target.contents()
        guard held == (0, 0, 0) else {
            throw NodeError.badRequest(
                "the database already holds a central (\(held.ops) ops, \(held.tokens) tokens, \(held.replicas) replicas): migrate only into an empty database, or drop this one first")
        }
        let key = try source.voucherKey()
        try await target.adopt(replica: source.identity.replica, voucherKey: key)
        let total = try source.opCount()
        let mover = Principal(name: "migrate", role: .admin)
        var seq: Int64 = 0
        var moved = 0
        while true {
            let (ops, last) = try source.logPage(after: seq, limit: page)
            if ops.isEmpty { break }
            let vouchers = try source.vouchers(for: ops, key: key)
            let result = try await target.ingest(
                ops, vouchers: vouchers, voucherKey: key, from: mover, replica: ops[0].id.replica, now: now, clockOffset: nil,
                maxAttachmentBytes: .max)
            guard result.quarantined.isEmpty else {
                throw NodeError.badRequest("the database refused \(result.quarantined.count) op(s) of the log for scope (first \(result.quarantined[0])): drop it and report this")
            }
            seq = last
            moved += ops.count
            progress(moved, total)
        }
        let holdings = try source.replicaHoldings()
        let tokens = try source.storedTokens()
        let quarantine = try source.quarantine()
        try await target.restore(holdings: holdings)
        try await target.restore(tokens: tokens)
        try await target.restore(quarantine: quarantine)
        try await target.restore(clocks: try source.deviceClocks())
        let blobs = FileBlobStore(root: folder).complete.all()
        try await moveBlobs(
            blobs, from: SQLiteNodeBlobStore(store: source, files: FileBlobStore(root: folder), reserve: nil),
            to: PostgresNodeBlobStore(target), possessions: try source.blobPossessions(), now: now)
        return try await verify(source, target, report: Report(
            ops: moved, tickets: 0, articles: 0, tokens: tokens.count, quarantined: quarantine.count, replicas: holdings.count,
            blobs: blobs.count, blobBytes: blobs.reduce(0) { $0 + $1.size }, opLogDigest: "", central: source.identity.replica.rawValue),
            blobs: blobs, replicas: holdings.map(\.replica))
    }

    /// Streams every complete blob of `source` into `target` (a piece at a time, never a
    /// blob whole in memory; one the target holds already is skipped, one it holds part of
    /// goes on from there), each verified by its SHA-256 in the target before it is
    /// visible; then who proved holding which.
    static func moveBlobs(
        _ blobs: [(digest: Digest, size: UInt64)], from source: any NodeBlobStore, to target: any NodeBlobStore,
        possessions: [BlobPossession], now: UInt64
    ) async throws {
        for (digest, _) in blobs {
            var offset: UInt64 = 0
            switch try await target.state(of: digest) {
            case .complete: continue
            case .partial(let received): offset = received
            case .absent: break
            }
            guard let content = try await source.content(of: digest) else {
                throw NodeError.notFound("blob \(digest.hex) vanished from the data folder during the move: run it again")
            }
            let upload = try await target.beginUpload(digest, at: offset, holder: "migrate")
            for try await piece in content.pieces(from: offset) { try await upload.append(piece) }
            try await upload.close()
            guard try await target.finish(digest) else {
                throw NodeError.badRequest(
                    "blob \(digest.hex) in the data folder does not hash to its name (the file is damaged): restore it from a backup, or delete it, and run the move again")
            }
        }
        for proof in possessions {
            try await target.recordPossession(proof.digest, principal: proof.principal, now: proof.provenAt == 0 ? now : proof.provenAt)
        }
    }

    /// Compares both sides: the op log's digest, every ticket's state, what is held of each
    /// replica, every blob, and counts of the rest.
    static func verify(
        _ source: ReplicaStore, _ target: PostgresNodeStore, report: Report, blobs: [(digest: Digest, size: UInt64)], replicas: [ReplicaID]
    ) async throws -> Report {
        var report = report
        let targetBlobs = PostgresNodeBlobStore(target)
        for (digest, size) in blobs {
            guard try await targetBlobs.state(of: digest) == .complete(size: size) else {
                throw NodeError.badRequest("blob \(digest.hex) is not whole in the database after the move: drop the database and run again")
            }
        }
        let before = try source.opLogDigest()
        let after = try await target.opLogDigest()
        guard before == after else {
            throw NodeError.badRequest("the op logs differ after the move (SQLite: \(before); PostgreSQL: \(after)): drop the database and run again")
        }
        let tickets = Dictionary(try source.tickets().map { ($0.id, $0.digest) }, uniquingKeysWith: { a, _ in a })
        let moved = try await target.ticketDigests()
        guard tickets == moved else {
            let differing = Set(tickets.keys).union(moved.keys).filter { tickets[$0] != moved[$0] }.sorted()
            throw NodeError.badRequest("\(differing.count) ticket(s) differ after the move (first \(differing[0])): drop the database and run again")
        }
        // Articles as the model derives them (their log positions differ, and are not compared).
        struct Held: Equatable {
            let version: ArticlePublished
            let retired: Bool
        }
        func articles(_ list: [StoredArticle]) -> [EntityID: Held] {
            Dictionary(list.map { ($0.id, Held(version: $0.version, retired: $0.retired)) }, uniquingKeysWith: { a, _ in a })
        }
        let articlesBefore = articles(try source.articles())
        let articlesAfter = articles(try await target.articles())
        guard articlesBefore == articlesAfter else {
            let differing = Set(articlesBefore.keys).union(articlesAfter.keys).filter { articlesBefore[$0] != articlesAfter[$0] }
            throw NodeError.badRequest("\(differing.count) article(s) differ after the move (first \(differing.map(\.rawValue).min() ?? "")): drop the database and run again")
        }
        report.articles = articlesBefore.count
        let heldBefore = try source.held(of: replicas)
        let heldAfter = try await target.held(of: replicas)
        guard heldBefore == heldAfter else {
            throw NodeError.badRequest("what is held of each replica differs after the move: drop the database and run again")
        }
        let (tokens, quarantined) = (try await target.tokens().count, try await target.quarantine().count)
        guard tokens == report.tokens, quarantined == report.quarantined else {
            throw NodeError.badRequest("tokens or quarantined ops differ after the move (\(tokens) of \(report.tokens), \(quarantined) of \(report.quarantined))")
        }
        report.tickets = tickets.count
        report.opLogDigest = after.value.hex
        return report
    }
}
