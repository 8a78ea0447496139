import FieldModel

/// How a sync node runs: where its data lives, where it listens, and its limits.
public struct NodeConfiguration: Sendable {
    public var dataDirectory: String
    public var host: String
    public var port: Int
    /// PEM certificate chain and private key: both set turns TLS on.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Most ops per pull page.
    public var pageSize: Int

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
