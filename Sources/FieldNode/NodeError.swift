/// Why an admin command could not do what was asked: one line an operator can act on.
public enum NodeError: Error, Sendable, CustomStringConvertible {
    case badRequest(String)
    case notFound(String)
    /// A bundle file that is not whole or not what it says (truncated, altered, another's).
    case badBundle(String)

    public var description: String {
        switch self {
        case .badRequest(let m), .notFound(let m), .badBundle(let m): m
        }
    }
}
