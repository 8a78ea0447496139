/// What went wrong in a central's PostgreSQL store, in words an operator can act on.
public struct CentralError: Error, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The `--postgres` URL cannot be used (the message says why; never with its password).
        case badURL
        /// The database could not be reached or refused a query.
        case unavailable
        /// An op arrived under an id the log holds with other content (a reused counter).
        case conflictingOp
        /// A cursor a client sent back is not one this log gave out.
        case badCursor
        /// The database's schema is newer than this node knows: upgrade the node.
        case schemaTooNew
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
