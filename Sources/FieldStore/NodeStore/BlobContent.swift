import FieldModel
import NIOCore

/// A complete blob to read: its size, and its bytes as a sequence of pieces of at most
/// ``pieceLimit`` bytes, read one at a time as they are asked for, so a download of tens of
/// MB never holds the blob whole.
public struct BlobContent: Sendable {
    /// The largest piece a read returns (and a PostgreSQL chunk holds): 256 KiB, a few
    /// trips per MB without holding much per download in flight.
    public static let pieceLimit = 256 << 10

    /// The blob's size in bytes.
    public let size: UInt64
    /// The file that holds the bytes, when the backend keeps the blob in one: a plain-HTTP
    /// download sends it by sendfile instead of reading it.
    public let file: String?
    /// Reads at most `limit` bytes from `offset` (< `size`); at least one.
    let read: @Sendable (_ offset: UInt64, _ limit: Int) async throws(StoreError) -> ByteBuffer

    /// A backend's content: `read` returns at least one and at most `limit` bytes from
    /// `offset`, which is always below `size`.
    public init(size: UInt64, file: String?, read: @escaping @Sendable (_ offset: UInt64, _ limit: Int) async throws(StoreError) -> ByteBuffer) {
        self.size = size
        self.file = file
        self.read = read
    }

    /// The bytes from `start`, `length` of them (to the end without), in pieces of at most
    /// ``pieceLimit``. A range past the end is cut at the end.
    public func pieces(from start: UInt64 = 0, length: UInt64? = nil) -> BlobPieces {
        let from = min(start, size)
        let wanted = min(length ?? .max, size - from)
        return BlobPieces(content: self, position: from, end: from + wanted)
    }
}

/// The pieces of a blob's range, in order (``BlobContent/pieces(from:length:)``).
public struct BlobPieces: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let content: BlobContent
    let position: UInt64
    let end: UInt64

    public struct AsyncIterator: AsyncIteratorProtocol {
        let content: BlobContent
        var position: UInt64
        let end: UInt64

        public mutating func next() async throws -> ByteBuffer? {
            guard position < end else { return nil }
            let limit = Int(Swift.min(UInt64(BlobContent.pieceLimit), end - position))
            let piece = try await content.read(position, limit)
            // A backend that returns nothing (or more than asked) would loop or overrun: the
            // blob changed under the read, which is the store's failure, not the caller's.
            guard piece.readableBytes > 0, piece.readableBytes <= limit else {
                throw StoreError(.damaged, "a read of a stored blob at byte \(position) returned \(piece.readableBytes) bytes (asked at most \(limit)): the stored blob is damaged")
            }
            position += UInt64(piece.readableBytes)
            return piece
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(content: content, position: position, end: end) }
}
