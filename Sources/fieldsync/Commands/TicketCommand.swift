import ArgumentParser
import FieldClient
import FieldStore

struct TicketCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket", abstract: "Local ticket tools (tickets normally come from dispatch).",
        subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a ticket on this replica, assigned to you, for trying FieldSync offline.",
            discussion: "Example:\n  fieldsync ticket create --customer Acme --site \"Plant 3\" --device-model \"Chiller X2\" --category repair --fault \"Trips on high pressure\"")

        @Option var customer: String
        @Option var site: String
        @Option(name: .customLong("device-model")) var deviceModel: String
        @Option var category: String
        @Option var fault: String
        @Option var priority = "normal"
        @Option var asset = ""
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.withReplica { r in
                let rec = try r.createTicket(
                    customer: customer, site: site, deviceModel: deviceModel, category: category, fault: fault,
                    priority: priority, asset: asset)
                global.emit(rec) { rec.ticket }
            }
        }
    }
}

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk through two replicas editing one ticket offline, then merging.",
        discussion: "Example:\n  fieldsync demo")
    func run() { print(ModelDemo.run()) }
}
