import ArgumentParser
import FieldModel
import FieldNode
import FieldStore

struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket", abstract: "Dispatch: create, assign, change and show tickets at central.",
        subcommands: [Create.self, Assign.self, SetField.self, Show.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a ticket and assign it; prints its id alone.",
            discussion: "Example:\n  fieldsync-node ticket create --data DIR (or --postgres URL) --customer Acme --site \"Plant 3\" --device-model \"Chiller X2\" --category repair --fault \"Trips on high pressure\" --priority high --assign E17")
        @OptionGroup var options: StoreOptions
        @Option var customer: String
        @Option var site: String
        @Option(name: .customLong("device-model")) var deviceModel: String
        @Option var category: String
        @Option var fault: String
        @Option var priority = "normal"
        @Option var asset = ""
        @Option(help: "The engineer to assign.") var assign: String

        func run() async throws {
            try await reportingErrors {
                let id = try await options.withCentral { try await $0.createTicket(
                    customer: customer, site: site, deviceModel: deviceModel, category: category, fault: fault,
                    priority: priority, asset: asset, assignee: assign) }
                print(options.json ? JSONOutput.string(["id": id.rawValue]) : id.rawValue)
            }
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assign a ticket to an engineer.", discussion: "Example:\n  fieldsync-node ticket assign --data DIR (or --postgres URL) T1-central E21")
        @OptionGroup var options: StoreOptions
        @Argument var ticket: String
        @Argument var engineer: String

        func run() async throws {
            try await reportingErrors {
                try await options.withCentral { try await $0.assign(ticket: ticket, to: engineer) }
                print(options.json ? JSONOutput.string(["ticket": ticket, "assignee": engineer]) : "✓ \(ticket) assigned to \(engineer)")
            }
        }
    }

    struct SetField: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Set a field of a ticket.", discussion: "Example:\n  fieldsync-node ticket set --data DIR (or --postgres URL) T1-central priority urgent")
        @OptionGroup var options: StoreOptions
        @Argument var ticket: String
        @Argument var field: String
        @Argument var value: String

        func run() async throws {
            try await reportingErrors {
                try await options.withCentral { try await $0.set(ticket: ticket, field: field, value: value) }
                print(options.json ? JSONOutput.string(["ticket": ticket, field: value]) : "✓ \(ticket) \(field) set")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a ticket as central holds it, with conflicts and clock flags.",
            discussion: "Example:\n  fieldsync-node ticket show --data DIR (or --postgres URL) T1-central --json")
        @OptionGroup var options: StoreOptions
        @Argument var ticket: String

        func run() async throws {
            try await reportingErrors {
                let t = try await options.withCentral { try await $0.ticket(ticket) }
                print(options.json ? JSONOutput.string(TicketJSON(t)) : TicketText.render(t))
            }
        }
    }
}

struct Tickets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every ticket central holds.", discussion: "Example:\n  fieldsync-node tickets --data DIR (or --postgres URL)")
    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let list = try await options.withCentral { try await $0.tickets() }
            print(options.json ? JSONOutput.string(list) : list.map {
                "\($0.id)  \($0.status)  \($0.assignee)  \($0.priority)  \($0.customer) · \($0.site)\($0.conflicts > 0 ? "  ⚠ \($0.conflicts) conflict(s)" : "")"
            }.joined(separator: "\n"))
        }
    }
}

struct Quarantine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ops refused for scope, kept for dispatch to review (never dropped).",
        discussion: "Examples:\n  fieldsync-node quarantine --data DIR\n  fieldsync-node quarantine --postgres postgres://USER:PASSWORD@HOST/DATABASE")
    @OptionGroup var options: StoreOptions

    struct Item: Encodable {
        let op: String
        let ticket: String
        let kind: String
        let principal: String
        let reason: String
        let receivedAt: String
    }

    func run() async throws {
        try await reportingErrors {
            let items = try await options.withStore { try await $0.quarantine() }.map {
                Item(op: $0.op.id.description, ticket: $0.op.subject.rawValue, kind: $0.op.body.kind.description,
                     principal: $0.principal, reason: $0.reason, receivedAt: UTCTime.iso8601(millis: $0.receivedAt))
            }
            print(options.json ? JSONOutput.string(items) : items.isEmpty ? "Quarantine is empty." : items.map {
                "\($0.receivedAt)  \($0.op)  \($0.kind) on \($0.ticket) from \($0.principal): \($0.reason)"
            }.joined(separator: "\n"))
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check each signature on a ticket against its work summary; says what changed after signing.",
        discussion: "Exits 1 when a signature no longer matches.\nExamples:\n  fieldsync-node verify --data DIR T1-central\n  fieldsync-node verify --postgres postgres://USER:PASSWORD@HOST/DATABASE T1-central")
    @OptionGroup var options: StoreOptions
    @Argument var ticket: String

    func run() async throws {
        var mismatch = false
        try await reportingErrors {
            let checks = try await options.withCentral { try await $0.verify(ticket: ticket) }
            mismatch = checks.contains { !$0.matches }
            print(options.json ? JSONOutput.string(checks) : checks.map(\.line).joined(separator: "\n"))
        }
        if mismatch { throw ExitCode(1) }
    }
}

struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Each device's clock offset, measured at its last sync (node minus device).",
        discussion: "Devices more than 2 minutes off are flagged.\nExamples:\n  fieldsync-node devices --data DIR\n  fieldsync-node devices --postgres postgres://USER:PASSWORD@HOST/DATABASE")
    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let offsets = try await options.withStore { try await $0.clockOffsets() }.sorted { $0.key < $1.key }
            print(options.json ? JSONOutput.string(Dictionary(uniqueKeysWithValues: offsets.map { ($0.key.rawValue, $0.value) })) : offsets.map { replica, ms in
                let flag = ms.magnitude > TicketText.skewTolerance ? "  ⚠ clock \(ClockOffset.minutes(ms)) min \(ms > 0 ? "slow" : "fast")" : ""
                return "\(replica.rawValue)  offset \(ms) ms\(flag)"
            }.joined(separator: "\n"))
        }
    }
}
