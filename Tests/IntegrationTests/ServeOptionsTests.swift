import FieldTestSupport
import Foundation
import Testing

/// `fieldsync-node serve` limits: documented in --help, and hostile values (zero,
/// negative, past 64 bits, past what makes sense) refused before the node starts.
@Suite struct ServeOptionsTests {
    @Test("--help documents the limits")
    func helpNamesTheLimits() async throws {
        try await onOwnThread {
            let help = try Binaries.run("fieldsync-node", ["serve", "--help"])
            #expect(help.status == 0)
            for option in ["--max-attachment-mb", "--max-partial-mb", "--partial-ttl-hours"] {
                #expect(help.stdout.contains(option), "\(option) in --help")
            }
            #expect(!help.stdout.contains("--header-timeout"), "a test knob stays hidden")
            }
    }

    @Test("zero, negative, overflowing and absurd limits are refused and no node starts")
    func hostileValuesAreRefused() async throws {
        try await onOwnThread {
            let dir = try TempFolder("serve-options")
            for (option, value) in [
                ("--max-attachment-mb", "0"), ("--max-attachment-mb", "-1"), ("--max-attachment-mb", "18446744073709551616"),
                ("--max-attachment-mb", "1073741825"), ("--max-partial-mb", "0"), ("--max-partial-mb", "18446744073709551615"),
                ("--partial-ttl-hours", "0"), ("--partial-ttl-hours", "9999999"), ("--partial-ttl-hours", "1e3"),
                ("--header-timeout", "0"), ("--header-timeout", "-5"), ("--header-timeout", "9223372036854775807"),
                ("--partial-ttl-seconds", "0"), ("--max-partial-bytes", "0"),
                // Smaller than the largest attachment: such a photo could never finish uploading.
                ("--max-partial-mb", "255"),
            ] {
                let r = try Binaries.run("fieldsync-node", ["serve", "--data", dir.path + "/node", "--port", "0", option, value])
                #expect(r.status != 0, "\(option) \(value)")
                #expect(r.stderr.contains("Error") || r.stderr.contains("error"), "\(option) \(value): \(r.stderr)")
                #expect(!r.stdout.contains("listening"), "\(option) \(value)")
            }
            }
    }

    @Test("--max-attachment-mb reaches the node: a bigger photo's op is refused at sync with the node's one-line reason")
    func attachmentLimitIsApplied() async throws {
        try await onOwnThread {
            let n = try LimitedNode(["--max-attachment-mb", "1"], photoSize: 1_000)
            _ = try BlobTests.randomFile(n.folder.path + "/big.jpg", bytes: (1 << 20) + 1, seed: 81)
            try n.e17.ok("photo", n.ticket, n.folder.path + "/big.jpg")
            let sync = try n.e17.run("sync")
            #expect(sync.status != 0)
            #expect(sync.stderr.contains("at most 1048576 bytes"), "\(sync.stderr)")
            #expect(sync.stderr.split(separator: "\n").count == 1, "\(sync.stderr)")
            }
    }
}
