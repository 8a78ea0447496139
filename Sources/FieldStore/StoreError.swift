import FieldModel
import FieldWire

/// Why the store could not do what was asked. `description` is one line a field
/// engineer or operator can act on, and never contains ticket content or secrets.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case notInitialised = "not-initialised"
        case alreadyInitialised = "already-initialised"
        case damaged
        case unknownTicket = "unknown-ticket"
        case invalidOp = "invalid-op"
        case conflictingOp = "conflicting-op"
        case unreadableFile = "unreadable-file"
        case counterGap = "counter-gap"
        case futureStamp = "future-stamp"
        case forbidden
        case io
        case database
    }

    public let code: Code
    public let message: String
    /// The underlying error (GRDB, POSIX), for logs.
    public let underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }

    static func invalid(_ error: ModelError) -> StoreError { StoreError(.invalidOp, error.message, underlying: error) }

    static func corruptOp(_ error: WireError, seq: Int64) -> StoreError {
        StoreError(.damaged, "op #\(seq) in the replica cannot be read (\(error.detail)): the replica file is damaged", underlying: error)
    }
}
