/// Why an op or a request to make one is not valid. Merging never throws: this is only
/// for input that must be refused before it becomes an op.
public struct ModelError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case invalidField = "invalid-field"
        case invalidQuantity = "invalid-quantity"
        case invalidPosition = "invalid-position"
        case invalidText = "invalid-text"
        case invalidOp = "invalid-op"
        case unknownLine = "unknown-line"
        /// A stock movement on a location the recorder does not own.
        case notOwner = "not-owner"
    }

    public let code: Code
    /// One line a person can act on.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
