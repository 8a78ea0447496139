import ArgumentParser
import FieldClient
import FieldStore
import FieldModel

struct Conflicts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every open conflict: concurrent values a person must settle.",
        discussion: "Example:\n  fieldsync conflicts")

    @OptionGroup var global: GlobalOptions

    struct Item: Encodable {
        let ticket: String
        let conflicts: [String]
    }

    func run() throws {
        try global.withReplica { r in
            let tickets = try r.conflicts()
            let items = tickets.map { Item(ticket: $0.id.rawValue, conflicts: $0.conflicts.map(TicketText.describe)) }
            global.emit(tickets.map { TicketJSON($0) }) {
                items.isEmpty
                    ? "No open conflicts."
                    : items.map { "\($0.ticket)\n" + $0.conflicts.map { "  " + $0 }.joined(separator: "\n") }
                        .joined(separator: "\n") + "\nSettle one with `fieldsync resolve TICKET FIELD VALUE`."
            }
        }
    }
}

struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Settle a conflict with the value to keep (replaces every concurrent value).",
        discussion: """
            For a status conflict give the step to record, e.g. closed or reopened.
            Examples:
              fieldsync resolve T1-central priority urgent
              fieldsync resolve T1-central status closed
            """)

    @Argument(help: "The ticket id.") var ticket: String
    @Argument(help: "The field in conflict, or status.") var field: String
    @Argument(help: "The value to keep.") var value: String
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.withReplica { r in
            let rec = try r.resolve(ticket: ticket, field: field, value: value)
            global.emit(rec) { confirmation("\(field) settled to \(value)", rec) }
        }
    }
}
