import FieldWire

/// Reads the SPEC §5 error code out of a refusal's body.
enum ErrorFrame {
    static func code(_ body: [UInt8]) -> UInt64? {
        guard !body.isEmpty, let messages = try? Frame.decode(body) else { return nil }
        for case .error(let error) in messages { return error.code.rawValue }
        return nil
    }

    /// The SPEC §5 name of a code.
    static func name(_ code: UInt64) -> String { ErrorCode(rawValue: code).description }

    /// The codes SPEC §5 allows with each HTTP status.
    static let codesByStatus: [Int: Set<UInt64>] = [
        400: [1, 2, 7, 9], 401: [4], 403: [5], 404: [11], 405: [12], 408: [17], 409: [6, 8, 14],
        413: [3, 16], 416: [13], 422: [15], 429: [16], 431: [3], 500: [10], 507: [16],
    ]
}
