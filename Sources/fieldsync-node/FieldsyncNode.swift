import ArgumentParser
import FieldNode
import Foundation

@main
struct FieldsyncNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldsync-node",
        abstract: "The FieldSync sync node: the central store engineers sync with.",
        discussion: """
            Set up a node, make a token for an engineer, dispatch a ticket, and serve:
              fieldsync-node token create --data /var/lib/fieldsync --role engineer --name E17
              fieldsync-node ticket create --data /var/lib/fieldsync --customer Acme --site "Plant 3" \\
                  --device-model "Chiller X2" --category repair --fault "Trips on high pressure" --assign E17
              fieldsync-node serve --data /var/lib/fieldsync --port 8080
            Admin commands work while the server runs.
            """,
        subcommands: [Serve.self, Token.self, TicketCommand.self, Tickets.self, KB.self, Quarantine.self, Verify.self, Devices.self, Check.self]
    )
}

/// Options every admin command takes.
struct DataOptions: ParsableArguments {
    @Option(help: "The node's data folder (created on first use).") var data: String
    @Flag(help: "Print machine-readable JSON.") var json = false

    func admin() throws -> NodeAdmin { try NodeAdmin(dataDirectory: data) }
}

/// Runs `body`; prints a thrown error as one line on stderr and exits non-zero.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}
