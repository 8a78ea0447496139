import FieldModel
import FieldTestSupport
import Foundation
import Testing

/// A node serving HTTPS with a certificate from its own CA (a depot, a company's central),
/// and devices told to trust that CA: the paths a real deployment takes, TLS included.
@Suite(.serialized) struct TLSTests {
    @Test("over HTTPS with the node's own CA: sync, a photo sent in pieces, fetched on another device")
    func photoOverTLS() async throws {
        try await onOwnThread {
            let field = try Field(tls: true)
            #expect(field.node.url.hasPrefix("https://127.0.0.1:"))
            let t = try field.dispatch("E17")
            let tablet = try field.engineer("E17")
            try tablet.ok("sync")
            // Over TLS the bytes go in 1 MB pieces, in a first 1 MB chunk and then the rest.
            let size = (3 << 20) + 12_345
            let photo = field.folder.path + "/p.jpg"
            let digest = try BlobTests.randomFile(photo, bytes: size, seed: 11)
            try tablet.ok("photo", t, photo)
            let up = try tablet.ok("sync", "--json").object
            #expect((up["blobsUploaded"] as? Int) == 1)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: photo))
            let atNode = field.node.data + "/blobs/\(digest.hex.prefix(2))/\(digest.hex)"
            #expect(try Data(contentsOf: URL(fileURLWithPath: atNode)) == bytes)

            let phone = Engineer(name: "E17-phone", home: field.folder.path + "/phone")
            try phone.ok("init", "--engineer", "E17")
            let token = try String(contentsOfFile: tablet.home + "/token", encoding: .utf8)
            try phone.ok("login", "--node", field.node.url, "--token", token, "--ca", field.ca!.certificate)
            try phone.ok("sync")
            let fetched = try phone.ok("fetch", t, "--json").object
            #expect((fetched["fetched"] as? Int) == 1)
            #expect(try Data(contentsOf: URL(fileURLWithPath: phone.home + "/blobs/\(digest.hex.prefix(2))/\(digest.hex)")) == bytes)
            }
    }

    @Test("a node whose certificate the device does not trust: one clear line, nothing lost, and --ca fixes it")
    func untrustedNode() async throws {
        try await onOwnThread {
            let field = try Field(tls: true)
            let t = try field.dispatch("E17")
            let e17 = Engineer(name: "E17", home: field.folder.path + "/E17")
            try e17.ok("init", "--engineer", "E17")
            let token = try field.token("E17")
            try e17.ok("login", "--node", field.node.url, "--token", token)
            let started = Date()
            let refused = try e17.run("sync")
            // Waiting would not make the certificate trusted: the answer comes at once (it
            // took over a minute while the HTTP client retried the handshake to its deadline).
            #expect(Date().timeIntervalSince(started) < 8)
            #expect(refused.status != 0)
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("does not trust"), "\(refused.stderr)")
            #expect(refused.stderr.contains("--ca"), "\(refused.stderr)")

            try e17.ok("login", "--node", field.node.url, "--token", token, "--ca", field.ca!.certificate)
            try e17.ok("sync")
            try e17.ok("note", t, "Compressor replaced")
            try e17.ok("sync")
            let notes = try field.central(t)["notes"] as? [[String: Any]] ?? []
            #expect(notes.contains { ($0["text"] as? String) == "Compressor replaced" })
            }
    }

    @Test("a certificate for another address is named as such, even from the trusted CA")
    func certificateForAnotherAddress() async throws {
        try await onOwnThread {
            let field = try Field(tls: true, certificateName: "DNS:depot-7.example")
            let e17 = try field.engineer("E17")  // logs in with --ca: the CA is trusted
            let refused = try e17.run("sync")
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("not for this address"), "\(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
            }
    }

    @Test("login checks --ca before it saves anything")
    func badCAIsRefused() async throws {
        try await onOwnThread {
            let field = try Field(tls: true)
            let e17 = Engineer(name: "E17", home: field.folder.path + "/E17")
            try e17.ok("init", "--engineer", "E17")
            let token = try field.token("E17")
            let notPEM = field.folder.path + "/not-a-cert.pem"
            try Data("hello".utf8).write(to: URL(fileURLWithPath: notPEM))
            for (args, says) in [
                (["--node", field.node.url, "--ca", field.folder.path + "/missing.pem"], "cannot read"),
                (["--node", field.node.url, "--ca", notPEM], "no PEM certificate"),
                (["--node", "http://127.0.0.1:1", "--ca", field.ca!.certificate], "https"),
            ] {
                let r = try Binaries.run("fieldsync", ["login", "--token", token] + args, env: ["FIELDSYNC_HOME": e17.home])
                #expect(r.status != 0)
                #expect(r.stderr.contains(says), "\(r.stderr)")
                #expect(!FileManager.default.fileExists(atPath: e17.home + "/node.url"))
                #expect(!FileManager.default.fileExists(atPath: e17.home + "/node-ca.pem"))
            }
            }
    }
}
