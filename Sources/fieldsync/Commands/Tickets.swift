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
            let articles = try r.articles(fitting: t)
            global.emit(WithArticles(ticket: TicketJSON(t, attachmentState: r.attachmentState), articles: articles)) {
                var text = TicketText.render(t, attachmentState: r.attachmentState)
                if !articles.isEmpty {
                    text += "\n\nArticles that fit (fieldsync kb show ID):\n"
                    text += articles.map { "  \($0.name)  \($0.version.title)" }.joined(separator: "\n")
                }
                return text
            }
        }
    }
}

/// A ticket's JSON with the articles that fit it beside its own keys.
struct WithArticles: Encodable {
    let ticket: TicketJSON
    let articles: [StoredArticle]

    struct Article: Encodable {
        let id: String
        let title: String
        let version: UInt64
    }

    enum Key: String, CodingKey { case articles }

    func encode(to encoder: any Encoder) throws {
        try ticket.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(articles.map { Article(id: $0.name, title: $0.version.title, version: $0.version.version) }, forKey: .articles)
    }
}
