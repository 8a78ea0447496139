import FieldStore

/// How a sync node runs: where its data lives and where it listens.
public struct NodeConfiguration: Sendable {
    public var dataDirectory: String
    public var host: String
    public var port: Int

    public init(dataDirectory: String, host: String = "127.0.0.1", port: Int = 8080) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
    }
}
