import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// The HTTP clients that talk to nodes: one trusting the system's roots, and one per CA
/// file a replica was told to trust (`fieldsync login --ca`).
///
/// A failed connection fails its request at once, where AsyncHTTPClient's default retries
/// it until the request's deadline: with no signal, or a node whose certificate is not
/// trusted, a person waited over a minute for a `sync` that could not succeed. Retrying
/// is the caller's to decide (`BlobTransfer` does, from what the node holds; a sync is
/// safe to run again).
enum NodeClients {
    /// For the life of the process, as `HTTPClient.shared` is: a client must be shut down
    /// before it may go away, and a command talks to one node.
    private static let clients = Mutex<[String: HTTPClient]>([:])

    static func client(for link: NodeLink) throws -> HTTPClient {
        try clients.withLock { clients in
            let key = link.trustedCA ?? ""
            if let known = clients[key] { return known }
            var tls = TLSConfiguration.makeClientConfiguration()
            if let ca = link.trustedCA {
                do { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) } catch {
                    throw ClientError(.badArgument, "cannot read the node's CA certificate \(ca): run `fieldsync login` again with --ca")
                }
            }
            var configuration = HTTPClient.Configuration(
                tlsConfiguration: tls,
                // A node answers where it is asked: following a redirect would carry the
                // token elsewhere.
                redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(10)),
                // Frames and blobs carry their own compression (zstd; photos are JPEG).
                decompression: .disabled)
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = client
            return client
        }
    }
}
