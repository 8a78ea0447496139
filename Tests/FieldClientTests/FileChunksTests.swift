import FieldClient
import Foundation
import NIOCore
import Synchronization
import Testing

/// The TLS upload path reads a file range in 1 MB pieces; they must be exactly the range.
@Suite struct FileChunksTests {
    @Test("pieces concatenate to exactly the range, and progress ends at its end")
    func piecesAreTheRange() async throws {
        let path = NSTemporaryDirectory() + "fieldsync-chunks-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = (0..<(3 * FileChunks.piece + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        let positions = Mutex<[UInt64]>([])
        let offset = 700_001
        let length = 2 * FileChunks.piece + 5
        var got: [UInt8] = []
        let chunks = FileChunks(fd: fd, offset: UInt64(offset), length: UInt64(length), sent: { p in positions.withLock { $0.append(p) } })
        // A sixteenth of the range per piece: progress on a slow link.
        #expect(chunks.pieceBytes == length / 16)
        for try await buffer in chunks {
            #expect(buffer.readableBytes <= chunks.pieceBytes)
            got += buffer.readableBytesView
        }
        #expect(got == Array(bytes[offset..<(offset + length)]))
        let ends = Array(stride(from: offset + chunks.pieceBytes, to: offset + length, by: chunks.pieceBytes)) + [offset + length]
        #expect(positions.withLock { $0 } == ends.map(UInt64.init))
    }

    @Test("pieces are 4 KB for a weak link's 64 KB chunk, and 1 MB at most")
    func pieceSizes() {
        #expect(FileChunks(fd: -1, offset: 0, length: 64 << 10, sent: { _ in }).pieceBytes == 4 << 10)
        #expect(FileChunks(fd: -1, offset: 0, length: 1000, sent: { _ in }).pieceBytes == 4 << 10)
        #expect(FileChunks(fd: -1, offset: 0, length: 256 << 20, sent: { _ in }).pieceBytes == FileChunks.piece)
    }

    @Test("a file shorter than the range is a clear error, not a short upload")
    func shortFileFails() async throws {
        let path = NSTemporaryDirectory() + "fieldsync-chunks-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(count: 1000).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        await #expect(throws: ClientError.self) {
            for try await _ in FileChunks(fd: fd, offset: 0, length: 5000, sent: { _ in }) {}
        }
    }
}
