import FieldModel
import FieldStore
import Foundation

/// `fieldsync-node status`: a node's own replica and, for a depot, how its upstream sync
/// stands (M8): the last exchange that committed, the ops waiting to go up, the last
/// failure since.
public struct DepotStatus: Sendable, Codable {
    public struct Upstream: Sendable, Codable {
        public let url: String
        public let lastSync: String?
        public let opsWaiting: UInt64
        /// Photos and signatures here the upstream has not confirmed holding, and their bytes.
        public let blobsWaiting: Int
        public let blobBytesWaiting: UInt64
        public let lastError: String?
        public let lastErrorAt: String?
    }

    public let replica: String
    public let upstreams: [Upstream]

    /// The status of the node whose data folder is `directory`; refuses a folder with no node.
    public static func read(dataDirectory directory: String) throws -> DepotStatus {
        guard FileManager.default.fileExists(atPath: directory + "/node.sqlite") else {
            throw NodeError.notFound("no node at \(directory): start one with `fieldsync-node serve --data \(directory)`")
        }
        let store = try NodeData.open(directory)
        let photos = try UpstreamPhotos.waiting(store, FileBlobStore(root: directory).complete)
        return DepotStatus(
            replica: store.identity.replica.rawValue,
            upstreams: try store.upstreams().map { url, state, backlog in
                Upstream(
                    url: url, lastSync: state.lastSync.map { UTCTime.iso8601(millis: $0) }, opsWaiting: backlog, blobsWaiting: photos.count,
                    blobBytesWaiting: photos.bytes, lastError: state.lastError,
                    lastErrorAt: state.lastErrorAt.map { UTCTime.iso8601(millis: $0) })
            })
    }

    /// Lines for a person.
    public var text: String {
        var lines = ["node \(replica)"]
        if upstreams.isEmpty { lines.append("no upstream: this node relays to none (a central, or a depot that has not synced yet)") }
        for u in upstreams {
            lines.append("upstream \(u.url): last sync \(u.lastSync ?? "never"), \(u.opsWaiting) ops and \(u.blobsWaiting) photos (\(u.blobBytesWaiting / 1000) KB) waiting to go up")
            if let error = u.lastError { lines.append("  last failure \(u.lastErrorAt ?? "?"): \(error)") }
        }
        return lines.joined(separator: "\n")
    }
}
