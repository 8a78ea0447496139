/// Why a `fieldsync` command could not do what was asked: one line that says what to do.
public struct ClientError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case badArgument = "bad-argument"
        case unknownTicket = "unknown-ticket"
        case unknownLine = "unknown-line"
        case noSignature = "no-signature"
        case notLoggedIn = "not-logged-in"
        case nodeUnreachable = "node-unreachable"
        case nodeUntrusted = "node-untrusted"
        case nodeRefused = "node-refused"
        /// Connected, but no byte moved for a while (`StallRule`): a weak or dead link. What
        /// moved is kept; the next sync goes on from there.
        case linkStalled = "link-stalled"
        /// The node does not hold a blob whole yet: the device that took it has not sent it.
        case blobNotOnNode = "blob-not-on-node"
        case badResponse = "bad-response"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
