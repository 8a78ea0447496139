import ArgumentParser
import FieldNode
import FieldStore
import Foundation

struct Depot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Which engineers each depot serves, and which depots relay which (at central).",
        discussion: """
            A depot relays its engineers' devices to central. Their replicas stay the engineers':
            a device may sync at its depot today, at central or at another depot tomorrow. The
            depot's own token is made with `fieldsync-node token create --role depot --name DEPOT`.

            Depots form a tree: `add-relay REGION SITE` makes REGION the upstream of SITE (run SITE
            with `serve --upstream` REGION's address). REGION then serves SITE's engineers too,
            and takes SITE's token, as central does.

            Each takes --data DIR (a node's folder) or --postgres URL (a central on PostgreSQL).
            """,
        subcommands: [AddEngineer.self, RemoveEngineer.self, Members.self, AddRelay.self, RemoveRelay.self, Relays.self])

    struct AddEngineer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-engineer",
            abstract: "Let DEPOT relay ENGINEER's devices.",
            discussion: "Example:\n  fieldsync-node depot add-engineer --data /var/lib/fieldsync north E17")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The depot, as its token's name.") var depot: String
        @Argument(help: "The engineer's id, as their token's name.") var engineer: String

        func run() async throws {
            try await reportingErrors {
                let added = try await options.withStore { try await DepotAdmin($0).add(depot: depot, engineer: engineer) }
                print(
                    options.json
                        ? JSONOutput.string(["depot": depot, "engineer": engineer, "added": added ? "yes" : "already"])
                        : added ? "✓ \(engineer) is an engineer of depot \(depot)" : "\(engineer) was an engineer of depot \(depot) already")
            }
        }
    }

    struct RemoveEngineer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-engineer",
            abstract: "DEPOT serves ENGINEER no more; what it took from them before still reaches central.",
            discussion: "Example:\n  fieldsync-node depot remove-engineer --data /var/lib/fieldsync north E17")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The depot, as its token's name.") var depot: String
        @Argument(help: "The engineer's id, as their token's name.") var engineer: String

        func run() async throws {
            try await reportingErrors {
                try await options.withStore { try await DepotAdmin($0).remove(depot: depot, engineer: engineer) }
                print(options.json ? JSONOutput.string(["depot": depot, "engineer": engineer, "removed": "yes"]) : "✓ depot \(depot) serves \(engineer) no more")
            }
        }
    }

    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the engineers DEPOT serves, and those it served.",
            discussion: "Example:\n  fieldsync-node depot members --data /var/lib/fieldsync north --json")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The depot, as its token's name.") var depot: String

        func run() async throws {
            try await reportingErrors {
                let members = try await options.withStore { try await DepotAdmin($0).members(of: depot) }
                if options.json {
                    print(JSONOutput.string(members))
                } else if members.isEmpty {
                    print("depot \(depot) serves no engineer yet: `fieldsync-node depot add-engineer \(depot) ENGINEER`")
                } else {
                    print(members.map { "\($0.engineer)\($0.removedAt == nil ? "" : "  (removed)")" }.joined(separator: "\n"))
                }
            }
        }
    }

    struct AddRelay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-relay",
            abstract: "Make PARENT the upstream of depot CHILD: PARENT relays CHILD's engineers to central.",
            discussion: """
                A depot has one upstream, and relays make a tree (no loops, at most 16 deep).
                Example:
                  fieldsync-node depot add-relay --data /var/lib/fieldsync north north-mine-2
                """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "The relaying depot, as its token's name.") var parent: String
        @Argument(help: "The depot it relays, as its token's name.") var child: String

        func run() async throws {
            try await reportingErrors {
                let added = try await options.withStore { try await DepotAdmin($0).addRelay(parent: parent, child: child) }
                print(
                    options.json
                        ? JSONOutput.string(["parent": parent, "child": child, "added": added ? "yes" : "already"])
                        : added ? "✓ depot \(parent) relays depot \(child)" : "depot \(parent) relayed depot \(child) already")
            }
        }
    }

    struct RemoveRelay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-relay",
            abstract: "PARENT relays depot CHILD no more; what it took from CHILD before still reaches central.",
            discussion: "Example:\n  fieldsync-node depot remove-relay --data /var/lib/fieldsync north north-mine-2")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The relaying depot, as its token's name.") var parent: String
        @Argument(help: "The depot it relays, as its token's name.") var child: String

        func run() async throws {
            try await reportingErrors {
                try await options.withStore { try await DepotAdmin($0).removeRelay(parent: parent, child: child) }
                print(options.json ? JSONOutput.string(["parent": parent, "child": child, "removed": "yes"]) : "✓ depot \(parent) relays \(child) no more")
            }
        }
    }

    struct Relays: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the depots DEPOT relays now, at any depth.",
            discussion: "Example:\n  fieldsync-node depot relays --data /var/lib/fieldsync north --json")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The depot, as its token's name.") var depot: String

        func run() async throws {
            try await reportingErrors {
                let depots = try await options.withStore { try await DepotAdmin($0).relayed(by: depot) }
                if options.json {
                    print(JSONOutput.string(depots))
                } else if depots.isEmpty {
                    print("depot \(depot) relays no depot: `fieldsync-node depot add-relay \(depot) DEPOT`")
                } else {
                    print(depots.joined(separator: "\n"))
                }
            }
        }
    }
}
