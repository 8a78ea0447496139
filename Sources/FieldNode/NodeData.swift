import FieldModel
import FieldStore
import Foundation

/// A node's data folder: its store (the node's own replica) and its blobs.
public enum NodeData {
    /// Opens the node's store in `directory`, creating it the first time with a replica
    /// id of its own (`node-` and 8 random hex digits): two nodes never share an id, and
    /// no device can guess it in advance. Folders made before ids were random keep the
    /// `central` they have.
    public static func open(_ directory: String, concurrentReads: Bool = false) throws -> ReplicaStore {
        let path = directory + "/node.sqlite"
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            _ = try ReplicaStore.create(at: path, replica: .newNode(), engineer: "dispatch")
        }
        return try ReplicaStore.open(at: path, concurrentReads: concurrentReads)
    }
}
