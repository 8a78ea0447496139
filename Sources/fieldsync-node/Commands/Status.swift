import ArgumentParser
import FieldNode
import FieldStore
import Foundation

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A node's replica id and, for a depot, how its upstream sync stands.",
        discussion: """
            Shows the last sync with the upstream that committed, the ops waiting to go up, and
            the last failure since (central unreachable, a refused push). Reads the data folder;
            the node may be running.
            Example:
              fieldsync-node status --data /var/lib/fieldsync-depot --json
            """)
    @Option(help: "The node's data folder.") var data: String
    @Flag(help: "Print machine-readable JSON.") var json = false

    func run() async throws {
        try reportingErrors {
            let status = try DepotStatus.read(dataDirectory: data)
            print(json ? JSONOutput.string(status) : status.text)
        }
    }
}
