import ArgumentParser
import FieldClient
import FieldStore
import Foundation

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look for damage in this replica, and say how to recover from it.",
        discussion: """
            Runs SQLite's integrity check, recomputes every op's checksum and checks every ticket \
            against its ops. It only reads: the replica is never changed.
            Exit status: 0 no damage; 1 damage found (listed, with the way to recover and the ops \
            that never reached the node); 2 the replica cannot be checked.
            `fieldsync sync` runs the quick check by itself before sending anything.
            Examples:
              fieldsync check
              fieldsync check --quick --json
            """)

    @Flag(help: "SQLite's quick check and this replica's unsynced ops only (what `sync` runs).")
    var quick = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let home = global.fieldHome
        let report: CheckReport
        do {
            report = try ReplicaCheck.run(path: home.replicaPath, quick: quick, device: true)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print(global.json ? JSONOutput.string(report) : CheckText.device(report, home: home.path))
        if !report.isClean { throw ExitCode(1) }
    }
}
