import ArgumentParser
import FieldNode
import FieldStore
import Foundation

struct KB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb", abstract: "The knowledge base: import Markdown articles at central, list and show them.",
        subcommands: [Import.self, List.self, Show.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a folder of Markdown articles (all or nothing).",
            discussion: """
                Reads every .md file under FOLDER (recursively, sorted by path; hidden entries
                skipped). Each starts with YAML front matter:

                  ---
                  id: fan-not-spinning          # letters, digits, - _ . ; the article is article:ID
                  title: Condenser fan does not start
                  device_models: [Chiller X2, Chiller X3]
                  fault_codes: [E42]
                  keywords: [fan, capacitor]
                  language: en                  # BCP 47; en when absent
                  everyone: false               # true: every device gets it
                  ---
                  Check the run capacitor first. ![wiring](img/fan-wiring.png)

                Other keys are refused. A changed file becomes a new version; an unchanged one
                writes nothing. Images are read relative to the file (never outside FOLDER),
                stored as blobs, and referenced in the body as sha256:HEX; http(s) images are
                left alone. If any file is wrong nothing is imported, and every problem is
                printed as FILE:LINE: reason.
                Example:
                  fieldsync-node kb import --data /var/lib/fieldsync ./kb --prune
                  fieldsync-node kb import --postgres postgres://USER:PASSWORD@HOST/DATABASE ./kb
                """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "The folder of .md files.") var folder: String
        @Flag(help: "Retire the articles whose file is gone.") var prune = false

        func run() async throws {
            do {
                let summary = try await options.withCentral { admin in
                    try await admin.importKnowledgeBase(from: folder, prune: prune) { done, total in
                        FileHandle.standardError.write(Data("checked \(done) of \(total) files\n".utf8))
                    }
                }
                let report = KnowledgeBaseImportReport(summary)
                print(options.json ? JSONOutput.string(report) : report.text)
            } catch let error as KnowledgeBaseError {
                // Refusals go to stdout as JSON too, so a script sees which files to fix.
                if options.json { print(JSONOutput.string(KnowledgeBaseRefusal(error))) }
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(1)
            } catch {
                try await reportingErrors { throw error }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every article central holds, retired ones too.", discussion: "Example:\n  fieldsync-node kb list --data DIR --json")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await reportingErrors {
                let items = try await options.withCentral { try await $0.articles() }.map(ArticleListItem.init)
                print(options.json ? JSONOutput.string(items) : items.isEmpty ? "No articles." : items.map(\.line).joined(separator: "\n"))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an article as central holds it: its fields and body.",
            discussion: "Example:\n  fieldsync-node kb show --data DIR fan-not-spinning")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The article's id (fan-guide or article:fan-guide).") var id: String

        func run() async throws {
            try await reportingErrors {
                let article = ArticleDetail(try await options.withCentral { try await $0.article(id) })
                print(options.json ? JSONOutput.string(article) : article.text)
            }
        }
    }
}
