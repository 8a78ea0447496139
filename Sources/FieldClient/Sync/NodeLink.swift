import Foundation
import NIOSSL

/// Which node this replica syncs with, and its token: `node.url` and `token` in the
/// replica's home, the token file readable by the user only. A node whose HTTPS
/// certificate comes from its own CA (a depot, a company's central) is trusted through
/// a copy of that CA's certificate, `node-ca.pem`, and through nothing else.
public struct NodeLink: Sendable {
    public let url: String
    let token: String
    /// The CA certificate (PEM) that alone is trusted for this node's HTTPS; nil: the
    /// system's trusted roots.
    public let trustedCA: String?

    static func urlPath(_ home: FieldHome) -> String { home.path + "/node.url" }
    static func tokenPath(_ home: FieldHome) -> String { home.path + "/token" }
    static func caPath(_ home: FieldHome) -> String { home.path + "/node-ca.pem" }

    /// Saves the node's address and the token (mode 0600), and a copy of `ca` when given
    /// (a login without one goes back to the system's roots). Nothing is saved if any of
    /// them is wrong.
    public static func save(home: FieldHome, url: String, token: String, ca: String? = nil) throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw ClientError(.badArgument, "'\(url)' is not a node address: give http://HOST:PORT or https://HOST:PORT")
        }
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("fs_"), trimmed.count > 10 else {
            throw ClientError(.badArgument, "that is not a FieldSync token (they start with fs_): ask dispatch for yours")
        }
        let pem = try ca.map { try Self.certificatePEM(at: $0, scheme: scheme) }
        let tokenFile = tokenPath(home)
        _ = FileManager.default.createFile(atPath: tokenFile, contents: nil, attributes: [.posixPermissions: 0o600])
        try Data(trimmed.utf8).write(to: URL(fileURLWithPath: tokenFile))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokenFile)
        if let pem {
            try pem.write(to: URL(fileURLWithPath: caPath(home)), options: .atomic)
        } else {
            try? FileManager.default.removeItem(atPath: caPath(home))
        }
        try Data((url.hasSuffix("/") ? String(url.dropLast()) : url).utf8).write(to: URL(fileURLWithPath: urlPath(home)))
    }

    /// The bytes of a CA certificate file, checked to hold at least one PEM certificate.
    static func certificatePEM(at path: String, scheme: String) throws -> Data {
        guard scheme == "https" else {
            throw ClientError(.badArgument, "--ca is for a node reached over https://: this address is plain http")
        }
        guard let pem = FileManager.default.contents(atPath: path) else {
            throw ClientError(.badArgument, "cannot read the CA certificate \(path): check the path")
        }
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes([UInt8](pem)), !certificates.isEmpty else {
            throw ClientError(.badArgument, "\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----): ask whoever runs the node for its CA certificate")
        }
        return pem
    }

    public static func load(home: FieldHome) throws -> NodeLink {
        guard let url = try? String(contentsOfFile: urlPath(home), encoding: .utf8),
            let token = try? String(contentsOfFile: tokenPath(home), encoding: .utf8)
        else {
            throw ClientError(.notLoggedIn, "this replica has no node yet: run `fieldsync login --node URL --token TOKEN`")
        }
        let ca = caPath(home)
        return NodeLink(
            url: url.trimmingCharacters(in: .whitespacesAndNewlines), token: token.trimmingCharacters(in: .whitespacesAndNewlines),
            trustedCA: FileManager.default.fileExists(atPath: ca) ? ca : nil)
    }
}
