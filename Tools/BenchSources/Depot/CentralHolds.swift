import FieldNode
import FieldStore
import Foundation

/// The bench's own check, after a shift end reached a central (its nodes stopped): it holds
/// every op once (the op log's count: the morning's, the day's and the photos') and every
/// photo whole.
enum CentralHolds {
    static func check(_ folder: String, ops expected: Int, photos: [(sha: String, bytes: Int)], label: String) throws {
        let held = try NodeData.open(folder).opLogDigest().count
        guard held == expected else { throw BenchError("\(label): central holds \(held) ops, not the \(expected) sent") }
        let blobs = FileBlobStore(root: folder).complete
        for photo in photos {
            let path = "\(blobs.root)/\(photo.sha.prefix(2))/\(photo.sha)"
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
            guard size == photo.bytes else { throw BenchError("\(label): central's copy of photo \(photo.sha.prefix(12)) is \(size.map { "\($0) bytes" } ?? "missing"), not \(photo.bytes) bytes") }
        }
    }
}
