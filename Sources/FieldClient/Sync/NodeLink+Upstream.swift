import FieldWire
import Foundation
import NIOHTTP1

extension NodeLink {
    /// A link to a node as a depot reaches its upstream (M8): its address and the depot's
    /// own token, given on the command line rather than saved in a replica's home.
    public init(upstream url: String, token: String, trustedCA: String? = nil) throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme.lowercased()), parsed.host != nil else {
            throw ClientError(.badArgument, "'\(url)' is not a node address: give http://HOST:PORT or https://HOST:PORT")
        }
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("fs_"), trimmed.count > 10 else {
            throw ClientError(.badArgument, "that is not a FieldSync token (they start with fs_): make the depot's with `token create --role depot` at central")
        }
        self.init(url: Self.canonical(parsed, scheme: scheme), token: trimmed, trustedCA: trustedCA)
    }

    /// One spelling per address (`HTTP://Central:80/` is `http://central`): a depot keeps its
    /// sync state under its upstream's address, and a restart with another spelling of the
    /// same one must not start over.
    static func canonical(_ url: URL, scheme: String) -> String {
        let lower = scheme.lowercased()
        let host = (url.host ?? "").lowercased()
        // An IPv6 literal keeps its brackets (`URL.host` drops them).
        var out = lower + "://" + (host.contains(":") ? "[\(host)]" : host)
        if let port = url.port, !(lower == "http" && port == 80), !(lower == "https" && port == 443) { out += ":\(port)" }
        let raw = url.path(percentEncoded: true)
        let path = raw.hasSuffix("/") ? String(raw.dropLast()) : raw
        return out + path
    }

    /// Posts one sync frame (`/v1/sync`); the HTTP status and the answer's bytes.
    public func postSync(_ body: [UInt8]) async throws -> (status: Int, body: [UInt8]) {
        let reply = try await NodeHTTP(link: self).send(
            .POST, "/v1/sync", body: body, headers: [("Content-Type", "application/vnd.fieldsync.frame")], expectBytes: WireLimits.maxFrameBytes)
        return (reply.status, reply.body)
    }

    /// GETs `path` from the node; the HTTP status and the body's bytes.
    public func get(_ path: String) async throws -> (status: Int, body: [UInt8]) {
        let reply = try await NodeHTTP(link: self).send(.GET, path)
        return (reply.status, reply.body)
    }

    /// POSTs a JSON body to `path`; the HTTP status and the answer's bytes.
    public func postJSON(_ path: String, body: Data) async throws -> (status: Int, body: [UInt8]) {
        let reply = try await NodeHTTP(link: self).send(.POST, path, body: [UInt8](body), headers: [("Content-Type", "application/json")])
        return (reply.status, reply.body)
    }
}
