import ArgumentParser
import FieldNode
import FieldStore
import Foundation

struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Sync a site with no uplink by files: export at the site, import at central, import the answer at the site.",
        discussion: """
            A bundle holds what one sync carries (the same frames as the wire) and the photos its ops refer to, with a manifest and a checksum: a truncated or altered bundle is refused whole, and nothing is applied twice.

            The round trip, with the site's token in FIELDSYNC_UPSTREAM_TOKEN (or --token-file):
              at the site:  bundle export --data SITE --for central --out site.fsb
              at central:   bundle import --data CENTRAL site.fsb --answer answer.fsb
              at the site:  bundle import --data SITE answer.fsb

            Both bundles are sealed with the SHA-256 of the site's token (made at central with `token create --role depot --name SITE`); the token itself is not on the stick. The site takes in only an answer so sealed, and none older than one it took in.
            """,
        subcommands: [Export.self, Import.self])

    /// The site's token at its upstream: from `file`, or FIELDSYNC_UPSTREAM_TOKEN; nil when
    /// neither holds one.
    static func siteToken(_ file: String?) throws -> String? {
        let text = try file.map { path in
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw NodeError.notFound("cannot read the token file \(path)") }
            return text
        } ?? ProcessInfo.processInfo.environment["FIELDSYNC_UPSTREAM_TOKEN"]
        guard let token = text?.trimmingCharacters(in: .whitespacesAndNewlines), token.hasPrefix("fs_"), token.count > 10 else { return nil }
        return token
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write what the upstream lacks: ops it has not acknowledged, photos it has not confirmed, and a pull request.",
            discussion: "Example:\n  FIELDSYNC_UPSTREAM_TOKEN=fs_… fieldsync-node bundle export --data /var/lib/site --for central --out /media/usb/site.fsb")
        @Option(help: "The site's data folder.") var data: String
        @Option(name: .customLong("for"), help: "The name this site gives its upstream (its sync state is kept under it).") var peer: String
        @Option(help: "The bundle to write (replaced only once whole).") var out: String
        @Option(help: "A file holding the site's token at the upstream; or FIELDSYNC_UPSTREAM_TOKEN.") var tokenFile: String?
        @Flag(help: "Print machine-readable JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                guard let token = try BundleCommand.siteToken(tokenFile) else {
                    throw NodeError.badRequest("the bundle needs the site's token at the upstream: --token-file FILE or FIELDSYNC_UPSTREAM_TOKEN (tokens start with fs_)")
                }
                let report = try await NodeBundles.export(dataDirectory: data, peer: peer, token: token, to: out)
                print(
                    json
                        ? JSONOutput.string(report)
                        : "✓ \(out): \(report.ops) ops in \(report.frames) frames, \(report.blobs) photos (\(report.blobBytes / 1000) KB), \(report.bytes / 1000) KB in all"
                            + (report.opsLeft > 0 ? "; \(report.opsLeft) ops left for the next bundle" : ""))
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take in a bundle: at central a site's request (writing --answer), at the site central's answer.",
            discussion: """
                The bundle is verified whole before anything is applied. Examples:
                  fieldsync-node bundle import --data /var/lib/fieldsync /media/usb/site.fsb --answer /media/usb/answer.fsb
                  FIELDSYNC_UPSTREAM_TOKEN=fs_… fieldsync-node bundle import --data /var/lib/site /media/usb/answer.fsb
                """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "The bundle file.") var bundle: String
        @Option(help: "Where to write the answer to a site's request (at central).") var answer: String?
        @Option(help: "At the site: a file holding its token at the upstream, which sealed the answer; or FIELDSYNC_UPSTREAM_TOKEN.") var tokenFile: String?

        func run() async throws {
            try await reportingErrors {
                let report = try await NodeBundles.importBundle(
                    bundle, dataDirectory: options.data, postgres: options.url, answer: answer, token: try BundleCommand.siteToken(tokenFile))
                if options.json {
                    print(JSONOutput.string(report))
                    return
                }
                if report.role == "answer", let answer {
                    print("✓ took in \(bundle): \(report.applied) new ops; answer \(answer): \(report.ops) ops, \(report.blobs) photos, \(report.bytes / 1000) KB")
                } else {
                    print("✓ took in \(bundle): \(report.applied) new ops of \(report.ops), \(report.blobs) photos")
                }
                for refusal in report.refused { print("  refused: \(refusal)") }
            }
        }
    }
}
