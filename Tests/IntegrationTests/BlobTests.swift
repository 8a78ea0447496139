import FieldModel
import FieldTestSupport
import FieldWire
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Photos and signatures: resumable, content-addressed, verified, scoped.
@Suite(.serialized) struct BlobTests {
    static func randomFile(_ path: String, bytes: Int, seed: UInt64) throws -> Digest {
        var rng = SeededRandom(seed: seed)
        var data = [UInt8](repeating: 0, count: bytes)
        for i in stride(from: 0, to: bytes, by: 8) {
            let v = rng.next()
            for j in 0..<min(8, bytes - i) { data[i + j] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(j))) }
        }
        try Data(data).write(to: URL(fileURLWithPath: path))
        return SHA256.hash(data)
    }

    func nodeBlob(_ field: Field, _ digest: Digest) -> String { "\(field.node.data)/blobs/\(digest.hex.prefix(2))/\(digest.hex)" }

    @Test("a 20 MB photo upload cut three times completes, re-sending only what the node lacked")
    func uploadResumesAfterCuts() async throws {
        try await onOwnThread {
            let field = try Field()
            let t = try field.dispatch("E17")
            let e17 = try field.engineer("E17")
            try e17.ok("sync")
            let size = 20 << 20
            let digest = try Self.randomFile(field.folder.path + "/photo.jpg", bytes: size, seed: 20)
            try e17.ok("photo", t, field.folder.path + "/photo.jpg")
            #expect(try e17.ok("show", t).stdout.contains("pending upload"))

            let port = Int(field.node.url.split(separator: ":").last ?? "") ?? 0
            let proxy = try CuttingProxy(targetPort: port, cutAfter: [3_000_000, 9_500_000, 16_000_000])
            defer { proxy.stop() }
            try e17.ok("login", "--node", proxy.url, "--token", try String(contentsOfFile: e17.home + "/token", encoding: .utf8))
            let report = try e17.ok("sync", "--json").object
            #expect(proxy.cuts == 3)
            #expect((report["blobsUploaded"] as? Int) == 1)

            let stored = try Data(contentsOf: URL(fileURLWithPath: nodeBlob(field, digest)))
            #expect(stored.count == size)
            #expect(SHA256.hash(stored) == digest)
            // Everything that crossed the link beyond the photo itself is request overhead
            // (headers, the sync frames, status calls): a resent chunk would add ≥ 1 MB.
            #expect(proxy.bytesToTarget >= size)
            #expect(proxy.bytesToTarget - size < 64 * 1024, "re-sent \(proxy.bytesToTarget - size) bytes beyond the photo")
            #expect(!FileManager.default.fileExists(atPath: field.node.data + "/partial/\(digest.hex)"))
            #expect(try e17.ok("show", t).stdout.contains("[local]"))
        }
    }

    @Test("a second device attaching the same photo sends no blob bytes")
    func sameBytesAreNeverSentTwice() async throws {
        try await onOwnThread {
            let field = try Field()
            let t = try field.dispatch("E17")
            let tablet = try field.engineer("E17")
            try tablet.ok("sync")
            _ = try Self.randomFile(field.folder.path + "/p.jpg", bytes: 3 << 20, seed: 3)
            try tablet.ok("photo", t, field.folder.path + "/p.jpg")
            try tablet.ok("sync")

            let phone = Engineer(name: "E17-phone", home: field.folder.path + "/phone")
            try phone.ok("init", "--engineer", "E17")
            let port = Int(field.node.url.split(separator: ":").last ?? "") ?? 0
            let proxy = try CuttingProxy(targetPort: port)
            defer { proxy.stop() }
            try phone.ok("login", "--node", proxy.url, "--token", try String(contentsOfFile: tablet.home + "/token", encoding: .utf8))
            try phone.ok("sync")
            try phone.ok("photo", t, field.folder.path + "/p.jpg", "--caption", "same photo, other device")
            let before = proxy.bytesToTarget
            let report = try phone.ok("sync", "--json").object
            #expect((report["blobBytesUp"] as? Int) == 0)
            #expect(proxy.bytesToTarget - before < 16 * 1024, "sent \(proxy.bytesToTarget - before) bytes")
        }
    }

    @Test("fetch brings a ticket's photo on demand; a download cut twice resumes, fetching only what it lacked")
    func fetchResumesAfterCuts() async throws {
        try await onOwnThread {
            let field = try Field()
            let t = try field.dispatch("E17")
            let tablet = try field.engineer("E17")
            try tablet.ok("sync")
            let size = 12 << 20
            let photo = field.folder.path + "/pump.jpg"
            let digest = try Self.randomFile(photo, bytes: size, seed: 12)
            try tablet.ok("photo", t, photo)
            try tablet.ok("sync")

            // A second device of the same engineer: the morning sync brings the op, not the photo.
            let phone = Engineer(name: "E17-phone", home: field.folder.path + "/phone")
            try phone.ok("init", "--engineer", "E17")
            let port = Int(field.node.url.split(separator: ":").last ?? "") ?? 0
            let proxy = try CuttingProxy(targetPort: port, cutAfter: [5_000_000, 9_000_000], counting: .toClient)
            defer { proxy.stop() }
            try phone.ok("login", "--node", proxy.url, "--token", try String(contentsOfFile: tablet.home + "/token", encoding: .utf8))
            try phone.ok("sync")
            #expect(try phone.ok("show", t).stdout.contains("remote only"))

            let before = proxy.bytesToClient
            let done = try phone.ok("fetch", t, "--json").object
            #expect(proxy.cuts == 2)
            #expect((done["fetched"] as? Int) == 1)
            // Restarted from zero, the download would move 5 + 4 + 12.6 MB. Resumed, it
            // re-fetches only what the HTTP client had received but not handed over when the
            // link broke (0.5 to 1.3 MB per cut on loopback; every byte it wrote is kept).
            let down = proxy.bytesToClient - before
            #expect(down >= size && down < size + 4_000_000, "downloaded \(down) bytes for a \(size)-byte photo")
            let local = try Data(contentsOf: URL(fileURLWithPath: phone.home + "/blobs/\(digest.hex.prefix(2))/\(digest.hex)"))
            #expect(local.count == size && SHA256.hash(local) == digest)
            #expect(!FileManager.default.fileExists(atPath: phone.home + "/blobs/tmp/fetch-\(digest.hex)"))
            #expect(try phone.ok("show", t).stdout.contains("[local]"))
            #expect(try phone.ok("fetch", t).stdout.contains("already on this device"))
        }
    }

    @Test("fetch brings what the node holds and names what is not on it yet, instead of failing on it")
    func fetchSkipsWhatTheNodeLacks() async throws {
        try await onOwnThread {
            let field = try Field()
            let t = try field.dispatch("E17")
            let tablet = try field.engineer("E17")
            try tablet.ok("sync")
            // Two photos; the tablet's sync sends the first and both ops, not the second's bytes.
            let first = try Self.randomFile(field.folder.path + "/1.jpg", bytes: 150_000, seed: 71)
            let second = try Self.randomFile(field.folder.path + "/2.jpg", bytes: 160_000, seed: 72)
            // The digests sort so that the missing one would come first, as a failure did.
            let (sent, unsent) = first < second ? (second, first) : (first, second)
            for (digest, file) in [(first, "/1.jpg"), (second, "/2.jpg")] {
                try tablet.ok("photo", t, field.folder.path + file)
                if digest == unsent {
                    try FileManager.default.removeItem(atPath: tablet.home + "/blobs/\(digest.hex.prefix(2))/\(digest.hex)")
                }
            }
            try tablet.ok("sync")

            let phone = Engineer(name: "E17-phone", home: field.folder.path + "/phone")
            try phone.ok("init", "--engineer", "E17")
            try phone.ok("login", "--node", field.node.url, "--token", try String(contentsOfFile: tablet.home + "/token", encoding: .utf8))
            try phone.ok("sync")
            let done = try phone.ok("fetch", t, "--json").object
            #expect((done["fetched"] as? Int) == 1)
            #expect((done["notOnNode"] as? Int) == 1)
            #expect(FileManager.default.fileExists(atPath: phone.home + "/blobs/\(sent.hex.prefix(2))/\(sent.hex)"))
            #expect(!FileManager.default.fileExists(atPath: phone.home + "/blobs/\(unsent.hex.prefix(2))/\(unsent.hex)"))
            #expect(!FileManager.default.fileExists(atPath: phone.home + "/blobs/tmp/fetch-\(unsent.hex)"))
            #expect(try phone.ok("fetch", t).stdout.contains("1 not on the node yet"))
        }
    }

    @Test("a fetch with no signal says so, keeps what arrived, and the next fetch finishes it")
    func fetchWithoutSignal() async throws {
        try await onOwnThread {
            let field = try Field()
            let t = try field.dispatch("E17")
            let tablet = try field.engineer("E17")
            try tablet.ok("sync")
            let photo = field.folder.path + "/gauge.jpg"
            let digest = try Self.randomFile(photo, bytes: 2 << 20, seed: 2)
            try tablet.ok("photo", t, photo)
            try tablet.ok("sync")
            let phone = Engineer(name: "E17-phone", home: field.folder.path + "/phone")
            try phone.ok("init", "--engineer", "E17")
            try phone.ok("login", "--node", field.node.url, "--token", try String(contentsOfFile: tablet.home + "/token", encoding: .utf8))
            try phone.ok("sync")
            // Half the photo arrived before the signal went (as a killed fetch leaves it).
            let bytes = try Data(contentsOf: URL(fileURLWithPath: photo))
            try FileManager.default.createDirectory(atPath: phone.home + "/blobs/tmp", withIntermediateDirectories: true)
            try bytes.prefix(1 << 20).write(to: URL(fileURLWithPath: phone.home + "/blobs/tmp/fetch-\(digest.hex)"))
            try phone.ok("login", "--node", "http://127.0.0.1:9", "--token", try String(contentsOfFile: tablet.home + "/token", encoding: .utf8))
            let offline = try phone.run("fetch", t)
            #expect(offline.status != 0)
            #expect(offline.stderr.hasPrefix("error: ") && offline.stderr.contains("what arrived is kept"), "\(offline.stderr)")
            #expect(offline.stderr.split(separator: "\n").count == 1)

            try phone.ok("login", "--node", field.node.url, "--token", try String(contentsOfFile: tablet.home + "/token", encoding: .utf8))
            let done = try phone.ok("fetch", t, "--json").object
            #expect((done["fetched"] as? Int) == 1)
            let local = try Data(contentsOf: URL(fileURLWithPath: phone.home + "/blobs/\(digest.hex.prefix(2))/\(digest.hex)"))
            #expect(local == bytes)
        }
    }

    @Test("bytes that do not match their hash are refused and nothing of them stays")
    func corruptBlobIsRefused() async throws {
        let field = try Field()
        let t = try field.dispatch("E17")
        let e17 = try field.engineer("E17")
        try e17.ok("sync")
        let digest = try Self.randomFile(field.folder.path + "/p.jpg", bytes: 100_000, seed: 5)
        try e17.ok("photo", t, field.folder.path + "/p.jpg")
        // Only the op: the blob is sent by hand, with the wrong bytes.
        try FileManager.default.removeItem(atPath: e17.home + "/blobs/\(digest.hex.prefix(2))/\(digest.hex)")
        try e17.ok("sync")
        let token = try String(contentsOfFile: e17.home + "/token", encoding: .utf8)
        // More bytes than the op declares are refused before they fill the disk.
        let (tooMany, _) = try await request(field, "PUT", "/v1/blobs/\(digest.hex)?offset=0", token: token, body: Data(repeating: 0x42, count: 100_001))
        #expect(tooMany == 413)
        #expect(!FileManager.default.fileExists(atPath: field.node.data + "/partial/\(digest.hex)"))
        let (put, _) = try await request(field, "PUT", "/v1/blobs/\(digest.hex)?offset=0", token: token, body: Data(repeating: 0x42, count: 100_000))
        #expect(put == 200)
        let (finish, body) = try await request(field, "POST", "/v1/blobs/\(digest.hex)/finish", token: token)
        #expect(finish == 422)
        #expect(String(decoding: body, as: UTF8.self).contains("do not hash"))
        let (status, state) = try await request(field, "GET", "/v1/blobs/\(digest.hex)/status", token: token)
        #expect(status == 200)
        #expect(String(decoding: state, as: UTF8.self).contains("absent"))
        #expect(!FileManager.default.fileExists(atPath: nodeBlob(field, digest)))
        #expect(!FileManager.default.fileExists(atPath: field.node.data + "/partial/\(digest.hex)"))
        let (get, _) = try await request(field, "GET", "/v1/blobs/\(digest.hex)", token: token)
        #expect(get == 404)

        // The last chunk may ask to be finished in the same request: wrong bytes are then
        // refused by that request, and nothing of them stays either.
        let wrongAndFinish = try await request(field, "PUT", "/v1/blobs/\(digest.hex)?offset=0&finish=1", token: token, body: Data(repeating: 0x42, count: 100_000))
        #expect(wrongAndFinish.0 == 422)
        #expect(String(decoding: wrongAndFinish.1, as: UTF8.self).contains("do not hash"))
        #expect(!FileManager.default.fileExists(atPath: nodeBlob(field, digest)))
        #expect(!FileManager.default.fileExists(atPath: field.node.data + "/partial/\(digest.hex)"))
        // The right bytes, in one request: complete and visible without a finish call.
        let right = try Data(contentsOf: URL(fileURLWithPath: field.folder.path + "/p.jpg"))
        let (oneShot, answer) = try await request(field, "PUT", "/v1/blobs/\(digest.hex)?offset=0&finish=1", token: token, body: right)
        #expect(oneShot == 200)
        #expect(String(decoding: answer, as: UTF8.self).contains("complete"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: nodeBlob(field, digest))) == right)
    }

    @Test("another engineer's blob is 403; a blob no op refers to is refused")
    func blobScope() async throws {
        let field = try Field()
        let t = try field.dispatch("E17")
        let e17 = try field.engineer("E17")
        try e17.ok("sync")
        let digest = try Self.randomFile(field.folder.path + "/p.jpg", bytes: 50_000, seed: 7)
        try e17.ok("photo", t, field.folder.path + "/p.jpg")
        try e17.ok("sync")
        let e21 = try field.token("E21")
        for (method, path) in [("GET", "/v1/blobs/\(digest.hex)"), ("GET", "/v1/blobs/\(digest.hex)/status"), ("PUT", "/v1/blobs/\(digest.hex)?offset=0")] {
            let (code, _) = try await request(field, method, path, token: e21, body: method == "PUT" ? Data([1]) : nil)
            #expect(code == 403, "\(method) \(path)")
        }
        let stray = SHA256.hash(Array("no op refers to me".utf8))
        let token = try String(contentsOfFile: e17.home + "/token", encoding: .utf8)
        let (code, _) = try await request(field, "PUT", "/v1/blobs/\(stray.hex)?offset=0", token: token, body: Data([1, 2, 3]))
        #expect(code == 409)
        #expect(!FileManager.default.fileExists(atPath: field.node.data + "/partial/\(stray.hex)"))
    }

    @Test("one request says what the node holds of many blobs, refusing only those the caller may not move")
    func statusOfManyBlobs() async throws {
        let field = try Field()
        let t = try field.dispatch("E17")
        let e17 = try field.engineer("E17")
        let e21 = try field.engineer("E21")
        let other = try field.dispatch("E21")
        try e17.ok("sync")
        try e21.ok("sync")
        let sent = try Self.randomFile(field.folder.path + "/a.jpg", bytes: 40_000, seed: 41)
        try e17.ok("photo", t, field.folder.path + "/a.jpg")
        try e17.ok("sync")
        // Attached and its op synced, but its bytes never sent.
        let notSent = try Self.randomFile(field.folder.path + "/b.jpg", bytes: 30_000, seed: 42)
        try e17.ok("photo", t, field.folder.path + "/b.jpg")
        try FileManager.default.removeItem(atPath: e17.home + "/blobs/\(notSent.hex.prefix(2))/\(notSent.hex)")
        try e17.ok("sync")
        let theirs = try Self.randomFile(field.folder.path + "/c.jpg", bytes: 20_000, seed: 43)
        try e21.ok("photo", other, field.folder.path + "/c.jpg")
        try e21.ok("sync")
        let stray = SHA256.hash(Array("no op refers to me".utf8))

        let token = try String(contentsOfFile: e17.home + "/token", encoding: .utf8)
        let query = try JSONSerialization.data(withJSONObject: ["blobs": [sent.hex, notSent.hex, theirs.hex, stray.hex]])
        let (code, body) = try await request(field, "POST", "/v1/blobs/status", token: token, body: query)
        #expect(code == 200)
        let entries = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["blobs"] as? [[String: Any]] ?? []
        let by = Dictionary(uniqueKeysWithValues: entries.map { ($0["sha"] as? String ?? "", $0) })
        #expect(entries.count == 4)
        #expect(by[sent.hex]?["state"] as? String == "complete")
        #expect((by[sent.hex]?["bytes"] as? NSNumber)?.intValue == 40_000)
        #expect(by[notSent.hex]?["state"] as? String == "absent")
        #expect(by[theirs.hex]?["state"] as? String == "refused")
        #expect((by[theirs.hex]?["status"] as? NSNumber)?.intValue == 403)
        #expect((by[theirs.hex]?["message"] as? String)?.contains("not assigned to E17") == true)
        #expect(by[stray.hex]?["state"] as? String == "refused")
        #expect((by[stray.hex]?["status"] as? NSNumber)?.intValue == 409)

        let bad = try JSONSerialization.data(withJSONObject: ["blobs": [sent.hex, "not-a-hash"]])
        let (badCode, badBody) = try await request(field, "POST", "/v1/blobs/status", token: token, body: bad)
        #expect(badCode == 400)
        #expect(String(decoding: badBody, as: UTF8.self).contains("64 hex digits"))
    }

    @Test("a shift's photos cost one status round trip in all and one request each when small; a fetch, one request each")
    func photosCostFewRoundTrips() async throws {
        let field = try Field()
        let t = try field.dispatch("E17")
        let e17 = try field.engineer("E17")
        try e17.ok("sync")
        for i in 1...3 {
            _ = try Self.randomFile(field.folder.path + "/\(i).jpg", bytes: 200_000 + i, seed: UInt64(60 + i))
            try e17.ok("photo", t, field.folder.path + "/\(i).jpg")
        }
        let report = try e17.ok("sync", "--json").object
        #expect((report["blobsUploaded"] as? Int) == 3)
        var text = ""
        func requests(_ kind: String) -> Int {
            let prefix = "fieldsync_blob_requests_total{kind=\"\(kind)\"} "
            return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) } ?? 0
        }
        text = String(decoding: try await URLSession.shared.data(from: URL(string: field.node.url + "/metrics")!).0, as: UTF8.self)
        #expect(requests("statuses") == 1)
        #expect(requests("status") == 0)
        #expect(requests("upload") == 3)
        #expect(requests("finish") == 0)

        // Fetched on another device: one request per photo, no status calls.
        let phone = Engineer(name: "E17-phone", home: field.folder.path + "/phone")
        try phone.ok("init", "--engineer", "E17")
        try phone.ok("login", "--node", field.node.url, "--token", try String(contentsOfFile: e17.home + "/token", encoding: .utf8))
        try phone.ok("sync")
        #expect((try phone.ok("fetch", t, "--json").object["fetched"] as? Int) == 3)
        text = String(decoding: try await URLSession.shared.data(from: URL(string: field.node.url + "/metrics")!).0, as: UTF8.self)
        #expect(requests("download") == 3)
        #expect(requests("status") == 0)
        #expect(requests("statuses") == 1)
    }

    @Test("central verifies signatures and says plainly what changed after signing")
    func nodeVerifiesSignatures() async throws {
        try await onOwnThread {
            let field = try Field()
            let t = try field.dispatch("E17")
            let e17 = try field.engineer("E17")
            try e17.ok("sync")
            try e17.ok("arrive", t, "--lat", "1", "--lon", "2")
            let line = try e17.ok("part", "add", t, "FAN-220", "--qty", "1", "--json").object["line"] as? String ?? ""
            try e17.ok("complete", t, "--resolution", "fan replaced")
            _ = try Self.randomFile(field.folder.path + "/sig.png", bytes: 2_000, seed: 9)
            try e17.ok("sign", t, "--signer", "Jane Doe", "--image", field.folder.path + "/sig.png")
            try e17.ok("sync")
            let ok = try field.node.admin("verify", t)
            #expect(ok.status == 0 && ok.stdout.contains("matches"))
            try e17.ok("part", "remove", t, line)
            try e17.ok("sync")
            let changed = try field.node.admin("verify", t)
            #expect(changed.status == 1)
            #expect(changed.stdout.contains("does NOT match"))
            #expect(changed.stdout.contains("part removed: 1 pcs FAN-220"))
        }
    }

    func request(_ field: Field, _ method: String, _ path: String, token: String, body: Data? = nil) async throws -> (Int, Data) {
        var r = URLRequest(url: URL(string: field.node.url + path)!)
        r.httpMethod = method
        r.setValue("Bearer \(token.trimmingCharacters(in: .whitespacesAndNewlines))", forHTTPHeaderField: "Authorization")
        r.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: r)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}
