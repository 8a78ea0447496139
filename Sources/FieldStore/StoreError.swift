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
        /// A device holds ops of other replicas past anything this node holds: the node was
        /// restored from a backup and asks for them back first (SPEC §9.4).
        case behind
        case futureStamp = "future-stamp"
        case forbidden
        case io
        case database
        /// The disk holding the replica (or a node's data) has no room for what was asked:
        /// nothing was changed, everything already stored is kept.
        case diskFull = "disk-full"
        /// A pull's cursor this store did not give out (and no other node's it knows).
        case badCursor = "bad-cursor"
        /// A search the index cannot run (empty, too long, too many terms): nothing was read.
        case badQuery = "bad-query"
        /// Another upload of the blob holds its lease (bytes are arriving), or took this
        /// upload's lease over after it stalled: retry shortly.
        case uploadBusy = "upload-busy"
        /// An upload did not start where the held bytes end (the message says where).
        case wrongOffset = "wrong-offset"
        /// The blob is whole and verified: there is nothing to upload.
        case blobComplete = "blob-complete"
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

    package static func invalid(_ error: ModelError) -> StoreError { StoreError(.invalidOp, error.message, underlying: error) }

    /// The storage is full: says how much more is needed when that is known, names no file
    /// (on a node this text stays in the log; the node answers with its own words).
    public static func diskFull(needed: UInt64? = nil, underlying: (any Error)? = nil) -> StoreError {
        let need = needed.map { "\(DiskSpace.megabytes($0)) needed; " } ?? ""
        return StoreError(
            .diskFull, "\(diskFullWords): \(need)free some space and try again (everything recorded so far is kept)",
            underlying: underlying)
    }

    /// Whether `message` is the text of a `diskFull` error (for a layer that gets only the
    /// text of a store error, e.g. the node's sync outcome).
    public static func isDiskFull(message: String) -> Bool { message.hasPrefix(diskFullWords) }
    static let diskFullWords = "this device's storage is full"

    static func corruptOp(_ error: WireError, seq: Int64) -> StoreError {
        StoreError(.damaged, "op #\(seq) in the replica cannot be read (\(error.detail)): the replica file is damaged", underlying: error)
    }
}
