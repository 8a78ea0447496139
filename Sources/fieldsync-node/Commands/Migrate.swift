import ArgumentParser
import FieldCentral
import FieldNode
import FieldStore
import Foundation

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move a node's central from its data folder into an empty PostgreSQL database.",
        discussion: """
            Copies every op (materialising tickets and articles as a sync would), the tokens
            (their hashes), what is held of each device, quarantined ops, device clocks, and
            every complete blob (photos, signatures, article images: streamed in chunks, each
            verified by its SHA-256) with who proved holding it, and keeps the central's id and
            voucher key: devices sync on against nodes served with --postgres without noticing.
            Compares the op log's digest, every ticket's and article's state and every blob on
            both sides before it says done. Refuses a database that holds anything (a move cut
            short: drop the database and run it again).
            Stop `serve --data` first: what devices push during the move would stay behind.
            Example:
              fieldsync-node migrate --from /var/lib/fieldsync --postgres postgres://fieldsync:PASSWORD@db1:5432/fieldsync
            """)

    @Option(help: "The node's data folder to move from.") var from: String
    @Option(
        help: ArgumentHelp(
            "The empty PostgreSQL database to move into (or set FIELDSYNC_POSTGRES_URL; the password is never printed).", valueName: "URL"))
    var postgres: String?
    @Flag(help: "Print machine-readable JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            guard let url = postgres ?? ProcessInfo.processInfo.environment[NodeStores.postgresURLVariable] else {
                throw ValidationError("give --postgres URL (or set \(NodeStores.postgresURLVariable)): the database to move into")
            }
            let report = try await PostgresNodeStore.with(url: url, logger: NodeStores.adminLogger) { store in
                try await CentralMove.run(from: from, to: store) { moved, total in
                    FileHandle.standardError.write(Data("\rmoving ops: \(moved) of \(total)".utf8))
                }
            }
            FileHandle.standardError.write(Data("\n".utf8))
            print(
                json
                    ? JSONOutput.string(report)
                    : """
                    ✓ moved central \(report.central): \(report.ops) ops, \(report.tickets) tickets, \(report.articles) articles, \(report.tokens) tokens, \(report.replicas) replicas, \(report.quarantined) quarantined, \(report.blobs) blobs (\(report.blobBytes) bytes)
                      op log sha256 \(report.opLogDigest), the same on both sides; every ticket's and article's state and every blob matches
                    """)
        }
    }
}
