import AsyncHTTPClient
import Foundation
import NIOCore

/// A byte range of an open file as an HTTP request body, read in pieces (1 MB, or smaller
/// for a small range) straight into the buffers the HTTP client sends (the whole range is
/// never in memory), calling `sent` with the file position after each piece handed over:
/// the client asks for the next piece only when the connection takes more, so on a slow
/// link these calls are the progress the link makes (`StallRule`).
package struct FileChunks: AsyncSequence, Sendable {
    package typealias Element = ByteBuffer
    package static let piece = 1 << 20

    /// The descriptor stays open, and owned by the caller, until the request ends.
    let fd: Int32
    let offset: UInt64
    let length: UInt64
    let sent: @Sendable (UInt64) -> Void
    /// Bytes per piece: a sixteenth of the range, between 4 KB and 1 MB, so a 64 KB chunk
    /// on a weak link shows progress every 4 KB.
    package let pieceBytes: Int

    package init(fd: Int32, offset: UInt64, length: UInt64, sent: @escaping @Sendable (UInt64) -> Void) {
        self.fd = fd
        self.offset = offset
        self.length = length
        self.sent = sent
        self.pieceBytes = Int(Swift.min(UInt64(Self.piece), Swift.max(4 << 10, length / 16)))
    }

    var body: HTTPClientRequest.Body { .stream(self, length: .known(Int64(length))) }

    package struct AsyncIterator: AsyncIteratorProtocol {
        let chunks: FileChunks
        var position: UInt64

        package mutating func next() async throws -> ByteBuffer? {
            let end = chunks.offset + chunks.length
            guard position < end else { return nil }
            let want = Int(Swift.min(UInt64(chunks.pieceBytes), end - position))
            var buffer = ByteBufferAllocator().buffer(capacity: want)
            let at = position
            let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { out in
                let n = pread(chunks.fd, out.baseAddress, want, off_t(at))
                guard n > 0 else { throw ClientError(.badArgument, "a blob file ended or failed at byte \(at) (errno \(errno)): was it changed?") }
                return n
            }
            position += UInt64(got)
            chunks.sent(position)
            return buffer
        }
    }

    package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: self, position: offset) }
}
