import FieldModel
import FieldStore
import Foundation

/// A node's data folder: its store (the central replica) and, later, its blobs.
public enum NodeData {
    /// The central replica's id.
    public static let replica = ReplicaID("central")!

    /// Opens the node's store in `directory`, creating it the first time.
    public static func open(_ directory: String, concurrentReads: Bool = false) throws -> ReplicaStore {
        let path = directory + "/node.sqlite"
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            _ = try ReplicaStore.create(at: path, replica: replica, engineer: "dispatch")
        }
        return try ReplicaStore.open(at: path, concurrentReads: concurrentReads)
    }
}
