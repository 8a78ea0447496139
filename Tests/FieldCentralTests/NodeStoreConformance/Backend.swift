import FieldCentral
import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import PostgresNIO
import Testing

/// The node's store backends, each test of the conformance suite runs against both, so
/// they cannot drift: a behaviour a node relies on is asserted once.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }
}

/// A fresh, empty node store on `backend`, for the length of `body`; `raw` dumps every row
/// the store keeps as text (to check what it must never keep, such as a token).
func withNodeStore<T>(
    _ backend: Backend, _ body: (_ store: any NodeStore, _ raw: @Sendable () async throws -> String) async throws -> T
) async throws -> T {
    switch backend {
    case .sqlite:
        let folder = try TempFolder("conformance")
        let path = folder.path + "/node.sqlite"
        _ = try ReplicaStore.create(at: path, replica: ReplicaID("node-c0ffee01")!, engineer: "dispatch")
        let store = try ReplicaStore.open(at: path, concurrentReads: true)
        return try await withTaskExecutorPreference(DedicatedExecutor.shared) {
          try await body(SQLiteNodeStore(store)) {
            // Every byte of the database and its write-ahead log.
            [path, path + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }
                .map { String(decoding: $0, as: UTF8.self) }.joined()
          }
        }
    case .postgres:
        return try await withCentral { client, _, _ in
            try await body(PostgresNodeStore(client: client, logger: testLogger)) {
                var dump = ""
                let tables = try await client.query(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'", logger: testLogger
                ).decode(String.self).all()
                for table in tables {
                    for try await row in try await client.query(
                        PostgresQuery(unsafeSQL: "SELECT row_to_json(t)::text FROM \(table) t"), logger: testLogger
                    ).decode(String.self) {
                        dump += row + "\n"
                    }
                }
                return dump
            }
        }
    }
}

extension AsyncSequence {
    /// Every element, in order.
    func all() async throws -> [Element] {
        var out: [Element] = []
        for try await element in self { out.append(element) }
        return out
    }
}
