import FieldModel
import FieldTestSupport
import Foundation
import Testing

/// Dead links (H2): a link that goes silent mid-upload, no FIN or RST reaching the node,
/// no longer locks the photo until the node's kernel resets the connection; the device
/// says in plain words that the link stalled, and its next sync takes the upload over.
@Suite(.serialized) struct UploadLeaseTests {
    /// A node, E17 with a 600 KB photo syncing through a 16 KB/s proxy that goes silent
    /// once the node holds 100 KB of it (past the first, measuring chunk).
    struct SilentUpload {
        let field: Field
        let e17: Engineer
        let token: String
        let proxy: CuttingProxy
        let sync: RunningCommand
        let digest: Digest
        static let size = 600_000

        init(seed: UInt64) throws {
            field = try Field()
            let t = try field.dispatch("E17")
            e17 = try field.engineer("E17")
            try e17.ok("sync")
            let photo = field.folder.path + "/photo-\(seed).jpg"
            digest = try BlobTests.randomFile(photo, bytes: Self.size, seed: seed)
            try e17.ok("photo", t, photo)
            token = try String(contentsOfFile: e17.home + "/token", encoding: .utf8)
            proxy = try CuttingProxy(targetPort: field.nodePort, bytesPerSecond: 16_000)
            try e17.ok("login", "--node", proxy.url, "--token", token)
            sync = try RunningCommand(e17, "sync")
            #expect(NodeBlobs.wait(field, digest, holds: 100_000, seconds: 30))
            proxy.blackHole()
        }
    }

    @Test("a link that goes silent mid-upload: the sync says so in plain words within 35 s; a sync over a good link then finishes the photo at once")
    func stallThenTakeover() async throws {
        try await onOwnThread {
            let upload = try SilentUpload(seed: 78)
            defer { upload.proxy.stop() }
            let (field, e17, token, sync, digest, size) = (upload.field, upload.e17, upload.token, upload.sync, upload.digest, SilentUpload.size)
            let silent = Date()
            #expect(sync.wait(upTo: 60))
            let noticed = Date().timeIntervalSince(silent)
            let stderr = sync.stderr
            print("stalled link noticed after \(String(format: "%.1f", noticed)) s: \(stderr)")
            #expect(sync.status != 0)
            #expect(noticed < 35, "took \(noticed) s to say the link stalled")
            #expect(stderr.contains("the link is too slow or stalled"), "\(stderr)")
            #expect(stderr.contains("of photo \(digest.hex.prefix(4))… sent"), "\(stderr)")
            #expect(stderr.contains("will resume at the next sync"), "\(stderr)")
            // It says what went out, not the 0 KB the node had confirmed before the link died.
            #expect(!stderr.contains(": 0 KB of"), "\(stderr)")
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
    }

    @Test("a device that vanished mid-upload (killed, link silent): its next sync waits out the lease once and finishes; the old writer, woken, changes nothing")
    func vanishedDeviceTakeover() async throws {
        try await onOwnThread {
            let upload = try SilentUpload(seed: 79)
            defer { upload.proxy.stop() }
            let (field, e17, token, proxy, digest, size) = (upload.field, upload.e17, upload.token, upload.proxy, upload.digest, SilentUpload.size)
            upload.sync.kill()
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
}
