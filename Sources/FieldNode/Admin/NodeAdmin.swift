import FieldModel
import FieldStore
import Foundation

/// What `fieldsync-node` admin commands do on a node's data folder (SQLite) that only it
/// holds: the articles as the folder's store lists them. Ticket
/// and knowledge-base writes are ``CentralAdmin``'s, on either backend. They open the
/// data folder directly, so they work while the server runs (SQLite WAL lets them
/// write beside it; the server picks their ops up by op-log position).
public struct NodeAdmin: Sendable {
    public let store: ReplicaStore
    let clock: @Sendable () -> UInt64

    public init(dataDirectory: String, clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }) throws {
        store = try NodeData.open(dataDirectory)
        self.clock = clock
    }

    /// The ticket and knowledge-base commands on this folder's store (``CentralAdmin``:
    /// the same code serves a central on PostgreSQL).
    public var central: CentralAdmin {
        CentralAdmin(SQLiteNodeStore(store), images: nodeBlobs, clock: clock)
    }
}
