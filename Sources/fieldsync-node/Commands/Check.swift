import ArgumentParser
import FieldStore
import Foundation

struct Check: ParsableCommand {
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
            """)

    @Option(help: "The node's data folder.") var data: String
    @Flag(help: "SQLite's quick check only.") var quick = false
    @Flag(help: "Print machine-readable JSON.") var json = false

    func run() throws {
        let report: CheckReport
        do {
            report = try ReplicaCheck.run(path: data + "/node.sqlite", quick: quick, device: false)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print(json ? JSONOutput.string(report) : CheckText.node(report, data: data))
        if !report.isClean { throw ExitCode(1) }
    }
}
