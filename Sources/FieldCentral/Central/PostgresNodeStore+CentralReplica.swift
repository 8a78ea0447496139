import FieldModel
import FieldStore
import PostgresNIO

extension PostgresNodeStore {
    /// The central's own replica id, shared by every node process on this database: made
    /// once (`node-` and 8 random hex digits, as a SQLite node's) and kept in `central_meta`
    /// under 'replica'. Two processes making it at once keep the first one stored.
    ///
    /// Interim: the lead's `identity()` (CentralIdentity) replaces this once it is on main.
    func centralReplica() async throws -> ReplicaID {
        var rng = SystemRandomNumberGenerator()
        let hex = String(UInt32.random(in: 0...UInt32.max, using: &rng), radix: 16)
        let made = "node-" + String(repeating: "0", count: 8 - hex.count) + hex
        try await client.query(
            "INSERT INTO central_meta (name, value) VALUES ('replica', \(made)) ON CONFLICT (name) DO NOTHING", logger: logger)
        let stored = try await client.query("SELECT value FROM central_meta WHERE name = 'replica'", logger: logger)
            .decode(String.self).all().first
        guard let stored, let replica = ReplicaID(stored) else {
            throw StoreError(.damaged, "the central's replica id in central_meta is not a valid id: the database was damaged")
        }
        return replica
    }
}
