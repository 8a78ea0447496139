import FieldCentral
import FieldStore
import Foundation
import Logging

/// `fieldsync-node bundle export | import` (M8, SPEC §11): sync for sites with no uplink,
/// by files carried on a USB stick.
public enum NodeBundles {
    /// A site's request for `peer`, written to `out` (see ``SiteBundles/export(peer:token:to:)``).
    public static func export(dataDirectory: String, peer: String, token: String, to out: String) async throws -> SiteBundles.Report {
        let site = try SiteBundles(dataDirectory: dataDirectory)
        return try await BlockingWork.run { try site.export(peer: peer, token: token, to: out) }
    }

    /// Takes in the bundle at `path`, verified whole first: at a site (`--data`), the answer
    /// its upstream wrote for it; at the upstream (`--data` or `--postgres`), a site's
    /// request, whose answer goes to `answer`.
    public static func importBundle(
        _ path: String, dataDirectory: String?, postgres: String?, answer: String?, token: String?, logger: Logger = NodeStores.adminLogger
    ) async throws -> SiteBundles.Report {
        guard (dataDirectory == nil) != (postgres == nil) else { throw NodeStores.refusal(bothGiven: dataDirectory != nil) }
        let file = try await BlockingWork.run { try BundleFile.open(path) }
        switch file.header.role {
        case .answer:
            guard let dataDirectory else { throw NodeError.badRequest("an answer is taken in by the site's node: give its --data folder") }
            guard let token else {
                throw NodeError.badRequest("an answer is checked with the site's token, as exported: --token-file FILE or FIELDSYNC_UPSTREAM_TOKEN")
            }
            let site = try SiteBundles(dataDirectory: dataDirectory)
            return try await BlockingWork.run { try site.importAnswer(file, token: token) }
        case .request:
            guard let answer else { throw NodeError.badRequest("a site's request is answered: give --answer FILE for the bundle that goes back to the site") }
            if let dataDirectory, !FileManager.default.fileExists(atPath: dataDirectory + "/node.sqlite") {
                throw NodeError.notFound("no node at \(dataDirectory): give the upstream's data folder")
            }
            var configuration = NodeConfiguration(dataDirectory: dataDirectory ?? "")
            configuration.postgresURL = postgres
            return try await NodeBackend.with(configuration, logger: logger) { backend in
                let clock: @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }
                let blobs: any NodeBlobStore
                if let folder = backend.folder {
                    blobs = SQLiteNodeBlobStore(
                        store: folder, files: FileBlobStore(root: configuration.dataDirectory),
                        reserve: DiskReserve(bytes: configuration.diskReserveBytes, folder: configuration.dataDirectory))
                } else if let central = backend.central {
                    blobs = PostgresNodeBlobStore(central)
                } else {
                    throw NodeError.badRequest("the node has no store for blobs")
                }
                let sync = SyncService(
                    store: backend.store, nodeReplica: backend.replica, pageSize: configuration.pageSize,
                    maxAttachmentBytes: configuration.maxAttachmentBytes, incarnation: backend.incarnation, voucherKey: backend.voucherKey,
                    clock: clock)
                let central = CentralBundles(
                    sync: sync, store: backend.store, blobs: blobs, nodeReplica: backend.replica, maxAttachmentBytes: configuration.maxAttachmentBytes,
                    clock: clock)
                return try await withTaskExecutorPreference(BlockingWork.executor) { try await central.answer(file, to: answer) }
            }
        }
    }
}
