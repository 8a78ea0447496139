/// Why an admin command could not do what was asked: one line an operator can act on.
public enum NodeError: Error, Sendable, CustomStringConvertible {
    case badRequest(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .badRequest(let m), .notFound(let m): m
        }
    }
}
