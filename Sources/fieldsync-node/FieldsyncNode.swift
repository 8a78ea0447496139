import ArgumentParser
import FieldNode
import FieldStore
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
        subcommands: [Serve.self, Token.self, TicketCommand.self, Tickets.self, KB.self, StockCommand.self, Depot.self, BundleCommand.self, Status.self, Quarantine.self, Verify.self, Devices.self, Check.self, Migrate.self]
    )
}

/// Where an admin command finds the node's store: its data folder, or the central's
/// PostgreSQL database. For the commands both backends serve.
struct StoreOptions: ParsableArguments {
    @Option(help: "The node's data folder (created on first use).") var data: String?
    @Option(
        help: ArgumentHelp(
            "A central on PostgreSQL: postgres://USER:PASSWORD@HOST:PORT/DATABASE[?sslmode=require] (or set FIELDSYNC_POSTGRES_URL; the password is never printed).",
            valueName: "URL"))
    var postgres: String?
    @Flag(help: "Print machine-readable JSON.") var json = false

    /// The PostgreSQL URL given, or the environment's when no data folder is.
    var url: String? { postgres ?? (data == nil ? ProcessInfo.processInfo.environment[NodeStores.postgresURLVariable] : nil) }

    /// Runs `body` with the store these options name.
    func withStore<T>(_ body: (any NodeStore) async throws -> T) async throws -> T {
        try await NodeStores.with(data: data, postgres: url, body)
    }

    /// Runs `body` with the ticket and knowledge-base commands on the store these options name.
    func withCentral<T>(_ body: (CentralAdmin) async throws -> T) async throws -> T {
        try await NodeStores.central(data: data, postgres: url, body)
    }
}

/// Runs `body`; prints a thrown error as one line on stderr and exits non-zero.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
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
