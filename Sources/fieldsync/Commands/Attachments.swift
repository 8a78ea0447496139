import ArgumentParser
import FieldClient
import FieldStore

struct Photo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attach a photo; it is kept in the replica and uploaded at sync.",
        discussion: "Example:\n  fieldsync photo T1-central nameplate.jpg --caption \"Nameplate\"")

    @Argument(help: "The ticket id.") var ticket: String
    @Argument(help: "The photo file.") var file: String
    @Option(help: "A caption.") var caption = ""
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.withReplica { r in
            let rec = try r.attachPhoto(ticket: ticket, file: file, caption: caption)
            global.emit(rec) { "✓ photo \(rec.sha256?.prefix(12) ?? "") (\(rec.bytes ?? 0) bytes) attached to \(rec.ticket)" }
        }
    }
}

struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record the customer's signature over the work summary it prints.",
        discussion: """
            The customer signs what is printed: arrival and completion times, parts, resolution.
            Its SHA-256 is stored with the signature; `fieldsync verify` checks it later.
            Example:
              fieldsync sign T1-central --signer "Jane Doe" --image signature.png
            """)

    @Argument(help: "The ticket id.") var ticket: String
    @Option(help: "The name of the person signing.") var signer: String
    @Option(help: "The signature image file.") var image: String
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.withReplica { r in
            let rec = try r.sign(ticket: ticket, signer: signer, image: image)
            global.emit(rec) {
                (rec.summary ?? "") + "\n✓ signed by \(signer) on \(rec.ticket); summary SHA-256 \(rec.summarySHA256 ?? "")"
            }
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check each signature still matches the ticket's work summary.",
        discussion: "Exits 1 when a signature no longer matches.\nExample:\n  fieldsync verify T1-central")

    @Argument(help: "The ticket id.") var ticket: String
    @OptionGroup var global: GlobalOptions

    func run() throws {
        var mismatch = false
        try global.withReplica { r in
            let checks = try r.verify(ticket: ticket)
            mismatch = checks.contains { !$0.matches }
            global.emit(checks) { checks.map(\.line).joined(separator: "\n") }
        }
        if mismatch { throw ExitCode(1) }
    }
}
