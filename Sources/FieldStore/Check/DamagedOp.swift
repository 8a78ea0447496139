/// An op row that cannot be trusted, as `check` and the reads that verify checksums
/// find it.
public struct DamagedOp: Sendable, Hashable, Codable {
    public enum Problem: String, Sendable, Codable {
        /// The row's content no longer gives the checksum stored with it.
        case checksumMismatch = "checksum-mismatch"
        /// The row's values are not of their types, or its payload cannot be decoded.
        case unreadable
        /// No checksum is stored with it (written by a version from before checksums).
        case noChecksum = "no-checksum"
    }

    /// The row's position in the op log.
    public let seq: Int64
    /// `counter@replica` as the row reads (itself possibly damaged), or `op #SEQ`.
    public let id: String
    public let problem: Problem

    public init(seq: Int64, id: String, problem: Problem) {
        self.seq = seq
        self.id = id
        self.problem = problem
    }

    /// What is wrong, in one line.
    public var explanation: String {
        switch problem {
        case .checksumMismatch: "its content no longer matches the checksum stored with it"
        case .unreadable: "its stored values cannot be read as an op"
        case .noChecksum: "it has no checksum (written by an older fieldsync, or the column is damaged)"
        }
    }

    /// The error a read of this op throws: it names the op and the way out.
    var message: String {
        "op \(id) in this replica's file is damaged: \(explanation). Nothing was sent or changed; run `fieldsync check` (on a node: `fieldsync-node check --data DIR`) to see all damage and how to recover"
    }
}
