/// Why bytes are not a valid FieldSync wire message (Protocol/SPEC.md, "Errors").
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable, CaseIterable {
        case truncated
        case badVarint = "bad-varint"
        case tooLarge = "too-large"
        case unsupportedVersion = "unsupported-version"
        case corruptCompression = "corrupt-compression"
        case malformed
    }

    public let code: Code
    /// Safe to log: never contains message bytes.
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}
