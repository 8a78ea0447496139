import ArgumentParser
import FieldClient
import FieldStore
import FieldModel

struct Tickets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the tickets on this replica.",
        discussion: "Examples:\n  fieldsync tickets\n  fieldsync tickets --status on-site --json")

    @Option(help: "Only tickets in this status (new, assigned, accepted, en-route, on-site, paused, completed, …).")
    var status: String?
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.withReplica { r in
            let list = try r.tickets(status: status)
            global.emit(list) { TicketListText.render(list) }
        }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one ticket: fields, status, timeline, notes, parts, attachments, conflicts.",
        discussion: "Example:\n  fieldsync show T1-central")

    @Argument(help: "The ticket id.") var ticket: String
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.withReplica { r in
            let t = try r.ticket(ticket)
            global.emit(TicketJSON(t, attachmentState: r.attachmentState)) {
                TicketText.render(t, attachmentState: r.attachmentState)
            }
        }
    }
}
