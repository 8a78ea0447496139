import ArgumentParser
import FieldNode
import FieldStore
import Foundation

struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bearer tokens: create, list, revoke. The node keeps only their SHA-256.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token; it is printed once, alone on stdout.",
            discussion: "Example:\n  fieldsync-node token create --data /var/lib/fieldsync --role engineer --name E17")
        @OptionGroup var options: DataOptions
        @Option(help: "engineer, depot, dispatcher, warehouse or admin.") var role: String
        @Option(help: "Who it is for: for an engineer, their engineer id.") var name: String

        func run() throws {
            try reportingErrors {
                guard let r = Principal.Role(rawValue: role) else {
                    throw NodeError.badRequest("unknown role '\(role)': use engineer, depot, dispatcher, warehouse or admin")
                }
                let (token, record) = try options.admin().createToken(name: name, role: r)
                print(options.json ? JSONOutput.string(["token": token, "id": record.id]) : token)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tokens (ids, names, roles; never the tokens).",
            discussion: "Example:\n  fieldsync-node token list --data /var/lib/fieldsync")
        @OptionGroup var options: DataOptions

        func run() throws {
            try reportingErrors {
                let list = try options.admin().tokens()
                print(options.json ? JSONOutput.string(list) : list.map {
                    "\($0.id)  \($0.role.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \($0.name)\($0.revokedAt == nil ? "" : "  (revoked)")"
                }.joined(separator: "\n"))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token by its id.",
            discussion: "Example:\n  fieldsync-node token revoke --data /var/lib/fieldsync 3fa2c81b09de")
        @OptionGroup var options: DataOptions
        @Argument(help: "The token id, as `token list` shows it.") var id: String

        func run() throws {
            try reportingErrors {
                try options.admin().revokeToken(id: id)
                print(options.json ? JSONOutput.string(["revoked": id]) : "✓ revoked \(id)")
            }
        }
    }
}
