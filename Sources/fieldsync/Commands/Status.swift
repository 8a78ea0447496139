import ArgumentParser
import FieldClient
import FieldModel
import FieldStore
import Foundation

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Who this replica is and what waits to sync.",
        discussion: """
            Shows the engineer, the replica id this device records under (and the ids it recorded
            under before its file was restored from a backup), the node it syncs with, and how many
            of its ops the node does not hold yet. Works offline.
            Example:
              fieldsync status
              fieldsync status --json
            """)

    @OptionGroup var global: GlobalOptions

    struct Output: Encodable {
        let engineer: String
        let replica: String
        /// Ids this replica recorded under before a restore (SPEC §9.3).
        let previousReplicas: [String]
        let node: String?
        let opsWaiting: Int
        let home: String
    }

    func run() throws {
        try global.withReplica { r in
            let previous = try r.store.previousOwnReplicas()
            var waiting = try r.store.unacknowledgedCount(after: try r.store.syncState().acked)
            waiting += try r.store.unacknowledgedPrevious(limit: 100_000).count
            let out = Output(
                engineer: r.engineer, replica: r.replicaID.rawValue, previousReplicas: previous.keys.map(\.rawValue).sorted(),
                node: try? NodeLink.load(home: r.home).url, opsWaiting: waiting, home: r.home.path)
            global.emit(out) {
                var lines = ["engineer \(out.engineer), replica \(out.replica) in \(out.home)"]
                if !out.previousReplicas.isEmpty { lines.append("recorded before as \(out.previousReplicas.joined(separator: ", ")) (restored from a backup)") }
                lines.append(out.node.map { "node \($0): \(out.opsWaiting) op(s) to push" } ?? "not logged in to a node: `fieldsync login --node URL --token TOKEN`; \(out.opsWaiting) op(s) recorded")
                return lines.joined(separator: "\n")
            }
        }
    }
}
