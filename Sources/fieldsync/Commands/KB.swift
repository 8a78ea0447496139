import ArgumentParser
import FieldClient
import FieldModel
import FieldStore
import Foundation

/// `fieldsync kb`: the repair guides the node sent for this device's tickets, offline.
struct KB: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb", abstract: "Search and read the knowledge-base articles on this device, offline.",
        discussion: """
            The node sends the articles that fit your tickets (their device model, fault code or fault
            description) and those for everyone, at each sync; they stay searchable with no signal.
            Examples:
              fieldsync kb search "fan capacitor"
              fieldsync kb search 电容 --ticket T1-central
              fieldsync kb show fan-capacitor
              fieldsync kb fetch fan-capacitor      # its images, when there is signal
            """,
        subcommands: [Search.self, ShowArticle.self, FetchImages.self])

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find articles by words, English or Chinese (best match first).",
            discussion: """
                Every word must occur (Chinese words need no spaces: 风扇电容 finds 风扇 and 电容 together);
                a phrase in quotes must occur as written. Matches in the title rank above the body.
                Example:
                  fieldsync kb search compressor trips --ticket T1-central --limit 5
                """)
        @Argument(help: "The words to find.") var words: [String]
        @Option(help: "Rank the articles that fit this ticket first.") var ticket: String?
        @Option(help: "At most this many results (1–1000).") var limit = 10
        @OptionGroup var global: GlobalOptions

        struct Hit: Encodable {
            let id: String
            let title: String
            let snippet: String
            let fitsTicket: Bool?
        }

        func run() throws {
            try global.withReplica { r in
                let t = try ticket.map { try r.ticket($0) }
                let hits = try r.searchArticles(words.joined(separator: " "), ticket: t, limit: limit)
                let fitting = try t.map { Set(try r.articles(fitting: $0).map(\.id.rawValue)) }
                let named = hits.map { hit in
                    // A snippet may cut through an image reference's 64 hex digits: shown as an image.
                    Hit(
                        id: Self.name(hit.id), title: hit.title, snippet: ArticleText.images(in: hit.snippet, missing: []),
                        fitsTicket: fitting.map { $0.contains(hit.id) })
                }
                global.emit(named) {
                    guard !named.isEmpty else { return "no article on this device matches \"\(words.joined(separator: " "))\"" }
                    return named.map { hit in
                        let mark = hit.fitsTicket == true ? "  (fits \(ticket ?? ""))" : ""
                        return "\(hit.title)  [\(hit.id)]\(mark)\n    \(hit.snippet.replacingOccurrences(of: "\n", with: " "))"
                    }.joined(separator: "\n")
                }
            }
        }

        /// `article:fan` as the engineer types it: `fan`.
        static func name(_ id: String) -> String {
            id.hasPrefix("article:") ? String(id.dropFirst("article:".count)) : id
        }
    }

    struct ShowArticle: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Read one article, with which of its images are not on this device.",
            discussion: "Example:\n  fieldsync kb show fan-capacitor")
        @Argument(help: "The article's id (as `kb search` prints it).") var id: String
        @OptionGroup var global: GlobalOptions

        struct JSON: Encodable {
            let id: String
            let version: UInt64
            let title: String
            let body: String
            let language: String
            let deviceModels: [String]
            let faultCodes: [String]
            let keywords: [String]
            let images: [String]
            let missingImages: [String]
        }

        func run() throws {
            try global.withReplica { r in
                let a = try r.article(id)
                let missing = r.missingImages(of: a)
                let v = a.version
                global.emit(
                    JSON(
                        id: a.name, version: v.version, title: v.title, body: v.body, language: v.language, deviceModels: v.deviceModels,
                        faultCodes: v.faultCodes, keywords: v.keywords, images: v.images.map(\.hex), missingImages: missing.map(\.hex))
                ) {
                    ArticleText.render(a, missing: Set(missing))
                }
            }
        }
    }
}

extension KB {
    struct FetchImages: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fetch", abstract: "Download the images of an article that are not on this device (needs signal).",
            discussion: "An article's text comes with each sync; its pictures only when asked, to spare the link.\nExample:\n  fieldsync kb fetch fan-capacitor")
        @Argument(help: "The article's id (as `kb search` prints it).") var id: String
        @OptionGroup var global: GlobalOptions

        struct Output: Encodable {
            let article: String
            let fetched: Int
            let bytes: UInt64
            let notOnNode: Int
        }

        func run() async throws {
            try await fetching(global, { transfer, progress in try await transfer.fetch(article: id, progress: progress) }) { p in
                global.emit(Output(article: id, fetched: p.blobs, bytes: p.bytes, notOnNode: p.notOnNode)) {
                    if p.blobs == 0 && p.notOnNode == 0 { return "Every image of \(id) is already on this device." }
                    let waiting = p.notOnNode == 0 ? "" : "; \(p.notOnNode) not on the node"
                    return "✓ fetched \(p.blobs) image(s) of \(id), \(mb(p.bytes))" + waiting
                }
            }
        }
    }
}
