import ArgumentParser
import FieldNode
import FieldStore
import Foundation

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bearer tokens: create, list, revoke. The node keeps only their SHA-256.",
        discussion: "Each takes --data DIR (a node's folder) or --postgres URL (a central on PostgreSQL).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token; it is printed once, alone on stdout.",
            discussion: """
                Examples:
                  fieldsync-node token create --data /var/lib/fieldsync --role engineer --name E17
                  FIELDSYNC_POSTGRES_URL=postgres://fieldsync:PASSWORD@db1:5432/fieldsync \\
                      fieldsync-node token create --role engineer --name E17
                """)
        @OptionGroup var options: StoreOptions
        @Option(help: "engineer, depot, dispatcher, warehouse or admin.") var role: String
        @Option(help: "Who it is for: for an engineer, their engineer id.") var name: String

        func run() async throws {
            try await reportingErrors {
                let (token, record) = try await options.withStore { try await TokenAdmin($0).create(name: name, role: role) }
                print(options.json ? JSONOutput.string(["token": token, "id": record.id]) : token)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tokens (ids, names, roles; never the tokens).",
            discussion: "Example:\n  fieldsync-node token list --data /var/lib/fieldsync")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await reportingErrors {
                let list = try await options.withStore { try await TokenAdmin($0).list() }
                print(options.json ? JSONOutput.string(list) : list.map {
                    "\($0.id)  \($0.role.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \($0.name)\($0.revokedAt == nil ? "" : "  (revoked)")"
                }.joined(separator: "\n"))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token by its id.",
            discussion: "Example:\n  fieldsync-node token revoke --data /var/lib/fieldsync 3fa2c81b09de")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The token id, as `token list` shows it.") var id: String

        func run() async throws {
            try await reportingErrors {
                try await options.withStore { try await TokenAdmin($0).revoke(id: id) }
                print(options.json ? JSONOutput.string(["revoked": id]) : "✓ revoked \(id)")
            }
        }
    }
}
