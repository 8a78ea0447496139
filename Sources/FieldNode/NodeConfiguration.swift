import FieldModel
import FieldStore

/// How a sync node runs: where its data lives, where it listens, and its limits.
public struct NodeConfiguration: Sendable {
    public var dataDirectory: String
    /// A central on PostgreSQL (`postgres://…`): the node keeps nothing of its own, and
    /// several nodes may serve one database. Never logged (it holds the password).
    public var postgresURL: String?
    public var host: String
    public var port: Int
    /// PEM certificate chain and private key: both set turns TLS on.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Most ops per pull page.
    public var pageSize: Int
    /// Largest attachment an op may declare (bytes); a bigger one is refused as invalid-op.
    public var maxAttachmentBytes: UInt64 = NodeLimits.defaultMaxAttachmentBytes
    /// Unfinished uploads untouched this long are deleted (seconds).
    public var partialUploadTTL: UInt64 = NodeLimits.defaultPartialUploadTTL
    /// Most unfinished upload bytes one principal may hold on the node at once.
    public var maxPartialBytesPerPrincipal: UInt64 = NodeLimits.defaultMaxPartialBytesPerPrincipal
    /// A connection must send a whole request head within this many seconds, and an idle
    /// keep-alive connection is closed after it.
    public var headerTimeoutSeconds: Int64 = NodeLimits.defaultHeaderTimeoutSeconds
    /// Free space (bytes) on the data folder's disk that blob uploads leave to the op log:
    /// an upload that would cut into it is refused (507), so syncs keep working.
    public var diskReserveBytes: UInt64 = NodeLimits.defaultDiskReserveBytes
    /// A depot's upstream (M8): the node it relays to, and the depot's token there. Never
    /// logged (the token).
    public var upstreamURL: String?
    public var upstreamToken: String?
    /// Seconds between a depot's upstream syncs while all goes well.
    public var upstreamIntervalSeconds: Int64 = 5

    public init(
        dataDirectory: String, host: String = "127.0.0.1", port: Int = 8080, tlsCertificate: String? = nil,
        tlsKey: String? = nil, pageSize: Int = 5_000
    ) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.pageSize = pageSize
    }

    public var databasePath: String { dataDirectory + "/node.sqlite" }
    public var blobsPath: String { dataDirectory + "/blobs" }
}

/// The node's defaults for what a caller may make it hold or wait for.
public enum NodeLimits {
    /// 256 MiB: a long video is not a field photo; a bigger declared size is refused.
    public static let defaultMaxAttachmentBytes: UInt64 = 256 << 20
    /// 24 hours: a device that lost its link resumes within a shift, or starts again.
    public static let defaultPartialUploadTTL: UInt64 = 24 * 3600
    /// 1 GiB of unfinished uploads per principal (a few shifts of photos).
    public static let defaultMaxPartialBytesPerPrincipal: UInt64 = 1 << 30
    /// 30 s to send a request head (slow-header connections are dropped after it).
    public static let defaultHeaderTimeoutSeconds: Int64 = 30
    /// 512 MiB kept free for the op log (`DiskReserve`).
    public static let defaultDiskReserveBytes: UInt64 = DiskReserve.defaultBytes
}
