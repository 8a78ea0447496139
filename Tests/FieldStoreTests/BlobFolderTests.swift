import FieldModel
import FieldStore
import Foundation
import Testing

@Suite struct BlobFolderTests {
    @Test func storesByContentOnce() throws {
        let dir = NSTemporaryDirectory() + "fieldsync-blobs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let file = dir + "/photo.jpg"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let folder = BlobFolder(root: dir + "/blobs")
        let (digest, size) = try folder.store(fileAt: file)
        #expect(digest == SHA256.hash(bytes))
        #expect(size == 3_000_000)
        #expect(folder.contains(digest))
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.path(for: digest))) == Data(bytes))
        let again = try folder.store(fileAt: file)
        #expect(again.digest == digest)
        let stored = try FileManager.default.subpathsOfDirectory(atPath: dir + "/blobs").filter { $0.count > 60 }
        #expect(stored.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/blobs/tmp").isEmpty)
    }

    @Test func unreadableFileIsAClearError() {
        let folder = BlobFolder(root: NSTemporaryDirectory() + "fieldsync-none")
        do {
            _ = try folder.store(fileAt: "/nonexistent/photo.jpg")
            Issue.record("stored a missing file")
        } catch {
            #expect(error.code == .unreadableFile)
        }
    }
}
