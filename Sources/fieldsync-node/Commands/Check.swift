import ArgumentParser
import FieldNode
import FieldStore
import Foundation

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look for damage in the node's store, and say how to recover from it.",
        discussion: """
            Runs SQLite's integrity check, recomputes every op's checksum and checks every ticket \
            against its ops. It only reads, and may run while the node serves.
            Exit status: 0 no damage; 1 damage found (listed, with the way to recover); 2 the \
            store cannot be checked (no node.sqlite in DIR).
            Examples:
              fieldsync-node check --data /var/lib/fieldsync
              fieldsync-node check --data /var/lib/fieldsync --quick --json
              fieldsync-node check --postgres postgres://USER:PASSWORD@HOST/DATABASE
            With --postgres: every op against its checksum and every ticket against its ops
            (the database's pages are PostgreSQL's to check: amcheck, data checksums).
            """)

    @Option(help: "The node's data folder.") var data: String?
    @Option(
        help: ArgumentHelp(
            "A central on PostgreSQL (or set FIELDSYNC_POSTGRES_URL; the password is never printed).", valueName: "URL"))
    var postgres: String?
    @Flag(help: "SQLite's quick check only.") var quick = false
    @Flag(help: "Print machine-readable JSON.") var json = false

    func run() async throws {
        let report: CheckReport
        let text: (CheckReport) -> String
        do {
            let url = postgres ?? (data == nil ? ProcessInfo.processInfo.environment[NodeStores.postgresURLVariable] : nil)
            switch (data, url) {
            case (let data?, nil):
                report = try ReplicaCheck.run(path: data + "/node.sqlite", quick: quick, device: false)
                text = { CheckText.node($0, data: data) }
            case (nil, let url?):
                report = try await NodeStores.check(postgres: url)
                text = CheckText.central
            default:
                throw NodeError.badRequest("give --data DIR (a node's folder) or --postgres URL (a central on PostgreSQL), one of them")
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print(json ? JSONOutput.string(report) : text(report))
        if !report.isClean { throw ExitCode(1) }
    }
}
