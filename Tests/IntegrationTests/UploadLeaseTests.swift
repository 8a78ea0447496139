import FieldModel
import FieldTestSupport
import Foundation
import Testing

/// Dead links (H2): a link that goes silent mid-upload, no FIN or RST reaching the node,
/// no longer locks the photo until the node's kernel resets the connection; the device
/// says in plain words that the link stalled, and its next sync takes the upload over.
@Suite(.serialized) struct UploadLeaseTests {
    @Test("a link that goes silent mid-upload: the sync says so in plain words within 35 s; a sync over a good link then finishes the photo at once")
    func stallThenTakeover() throws {
        let field = try Field()
        let t = try field.dispatch("E17")
        let e17 = try field.engineer("E17")
        try e17.ok("sync")
        let size = 600_000
        let digest = try BlobTests.randomFile(field.folder.path + "/fan.jpg", bytes: size, seed: 78)
        try e17.ok("photo", t, field.folder.path + "/fan.jpg")
        let token = try String(contentsOfFile: e17.home + "/token", encoding: .utf8)
        let proxy = try CuttingProxy(targetPort: field.nodePort, bytesPerSecond: 16_000)
        defer { proxy.stop() }
        try e17.ok("login", "--node", proxy.url, "--token", token)

        let sync = try RunningCommand(e17, "sync")
        // Past the first (measuring) chunk, then the link goes silent.
        #expect(NodeBlobs.wait(field, digest, holds: 100_000, seconds: 30))
        proxy.blackHole()
        let silent = Date()
        #expect(sync.wait(upTo: 60))
        let noticed = Date().timeIntervalSince(silent)
        let stderr = sync.stderr
        print("stalled link noticed after \(String(format: "%.1f", noticed)) s: \(stderr)")
        #expect(sync.status != 0)
        #expect(noticed < 35, "took \(noticed) s to say the link stalled")
        #expect(stderr.contains("the link is too slow or stalled"), "\(stderr)")
        #expect(stderr.contains("of photo \(digest.hex.prefix(4))… sent, will resume at the next sync"), "\(stderr)")
        #expect(!stderr.contains("HTTPClient") && !stderr.contains("cannot reach"), "\(stderr)")

        // The node still has the silent connection open (nothing closed it): a sync over
        // a good link takes the upload over without waiting for it.
        try e17.ok("login", "--node", field.node.url, "--token", token)
        let again = Date()
        let report = try e17.ok("sync", "--json").object
        let seconds = Date().timeIntervalSince(again)
        print("takeover sync: \(String(format: "%.1f", seconds)) s")
        #expect(seconds < 10, "took \(seconds) s")
        #expect((report["blobsUploaded"] as? Int) == 1)
        let stored = try Data(contentsOf: URL(fileURLWithPath: NodeBlobs.complete(field, digest)))
        #expect(stored.count == size)
        #expect(SHA256.hash(stored) == digest)
    }

    @Test("a device that vanished mid-upload (killed, link silent): its next sync waits out the lease once and finishes; the old writer, woken, changes nothing")
    func vanishedDeviceTakeover() throws {
        let field = try Field()
        let t = try field.dispatch("E17")
        let e17 = try field.engineer("E17")
        try e17.ok("sync")
        let size = 600_000
        let digest = try BlobTests.randomFile(field.folder.path + "/pump.jpg", bytes: size, seed: 79)
        try e17.ok("photo", t, field.folder.path + "/pump.jpg")
        let token = try String(contentsOfFile: e17.home + "/token", encoding: .utf8)
        let proxy = try CuttingProxy(targetPort: field.nodePort, bytesPerSecond: 16_000)
        defer { proxy.stop() }
        try e17.ok("login", "--node", proxy.url, "--token", token)

        let sync = try RunningCommand(e17, "sync")
        #expect(NodeBlobs.wait(field, digest, holds: 100_000, seconds: 30))
        proxy.blackHole()
        sync.kill()
        // Before the change, every sync now failed: "another upload of blob … is in progress".
        try e17.ok("login", "--node", field.node.url, "--token", token)
        let again = Date()
        let report = try e17.ok("sync", "--json").object
        let seconds = Date().timeIntervalSince(again)
        print("sync after a vanished upload: \(String(format: "%.1f", seconds)) s")
        #expect(seconds < 25, "took \(seconds) s")
        #expect((report["blobsUploaded"] as? Int) == 1)

        // The old connection comes back to life: its bytes are refused, the blob stays whole.
        proxy.restore()
        Thread.sleep(forTimeInterval: 2)
        let stored = try Data(contentsOf: URL(fileURLWithPath: NodeBlobs.complete(field, digest)))
        #expect(stored.count == size)
        #expect(SHA256.hash(stored) == digest)
        #expect(!FileManager.default.fileExists(atPath: field.node.data + "/partial/\(digest.hex)"))
    }
}
