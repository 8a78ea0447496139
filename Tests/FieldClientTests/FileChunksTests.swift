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
        for try await buffer in FileChunks(fd: fd, offset: UInt64(offset), length: UInt64(length), sent: { p in positions.withLock { $0.append(p) } }) {
            #expect(buffer.readableBytes <= FileChunks.piece)
            got += buffer.readableBytesView
        }
        #expect(got == Array(bytes[offset..<(offset + length)]))
        #expect(positions.withLock { $0 } == [offset + FileChunks.piece, offset + 2 * FileChunks.piece, offset + length].map(UInt64.init))
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
