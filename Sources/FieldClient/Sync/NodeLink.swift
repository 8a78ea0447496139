import Foundation

/// Which node this replica syncs with, and its token: `node.url` and `token` in the
/// replica's home, the token file readable by the user only.
public struct NodeLink: Sendable {
    public let url: String
    let token: String

    static func urlPath(_ home: FieldHome) -> String { home.path + "/node.url" }
    static func tokenPath(_ home: FieldHome) -> String { home.path + "/token" }

    /// Saves the node's address and the token (mode 0600).
    public static func save(home: FieldHome, url: String, token: String) throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw ClientError(.badArgument, "'\(url)' is not a node address: give http://HOST:PORT or https://HOST:PORT")
        }
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("fs_"), trimmed.count > 10 else {
            throw ClientError(.badArgument, "that is not a FieldSync token (they start with fs_): ask dispatch for yours")
        }
        let tokenFile = tokenPath(home)
        _ = FileManager.default.createFile(atPath: tokenFile, contents: nil, attributes: [.posixPermissions: 0o600])
        try Data(trimmed.utf8).write(to: URL(fileURLWithPath: tokenFile))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokenFile)
        try Data((url.hasSuffix("/") ? String(url.dropLast()) : url).utf8).write(to: URL(fileURLWithPath: urlPath(home)))
    }

    public static func load(home: FieldHome) throws -> NodeLink {
        guard let url = try? String(contentsOfFile: urlPath(home), encoding: .utf8),
            let token = try? String(contentsOfFile: tokenPath(home), encoding: .utf8)
        else {
            throw ClientError(.notLoggedIn, "this replica has no node yet: run `fieldsync login --node URL --token TOKEN`")
        }
        return NodeLink(url: url.trimmingCharacters(in: .whitespacesAndNewlines), token: token.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
