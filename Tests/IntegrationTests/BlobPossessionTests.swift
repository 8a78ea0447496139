import FieldModel
import FieldTestSupport
import FieldWire
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Proof of possession (SPEC §7.3), through the real node and CLI: knowing a blob's
/// SHA-256 does not let a device download it; holding the bytes does, without sending them.
@Suite(.serialized) struct BlobPossessionTests {
    /// E21, whose own ticket attaches E17's photo by its hash: the op is real, the bytes are
    /// not on E21's device.
    func attacker(_ n: LimitedNode) throws -> (Engineer, String, String) {
        let t21 = try n.dispatch("E21")
        let e21 = try LimitedNode.engineer("E21", in: n.folder, node: n.node)
        try e21.ok("sync")
        try e21.ok("photo", t21, n.folder.path + "/photo.jpg")
        try FileManager.default.removeItem(atPath: e21.home + "/blobs/\(n.photo.hex.prefix(2))/\(n.photo.hex)")
        try e21.ok("sync")
        let token = try String(contentsOfFile: e21.home + "/token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return (e21, t21, token)
    }

    func json(_ answer: RawHTTP.Answer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
    }

    func proofBody(nonce: String, proof: Digest) -> [UInt8] {
        Array("{\"nonce\": \"\(nonce)\", \"proof\": \"\(proof.hex)\"}".utf8)
    }

    func proof(_ n: LimitedNode, nonce: String) throws -> Digest {
        let bytes = try #require(Digest(hex: nonce)).bytes
        return SHA256.hash(bytes + n.photoBytes)
    }

    @Test("a device that only knows the hash gets 403 on GET and HEAD; the ticket's own engineer and dispatch still download")
    func hashIsNotAKey() async throws {
        try await onOwnThread {
            let n = try LimitedNode()
            let (e21, t21, token) = try attacker(n)
            let path = "/v1/blobs/\(n.photo.hex)"
            let c = try n.connect()
            let get = try c.request("GET", path, token: token)
            #expect(get.status == 403)
            #expect(get.error?.code == .forbidden)
            #expect(get.body.count < 1_000)
            #expect(try c.request("HEAD", path, token: token).status == 403)
            #expect(try c.request("GET", path, token: token, headers: ["Range": "bytes=0-"]).status == 403)
            // The status answer says the node holds it, and hands out a challenge, nothing more.
            let status = try json(try c.request("GET", "\(path)/status", token: token))
            #expect(status["state"] as? String == "complete")
            #expect((status["challenge"] as? String)?.count == 64)
            let fetch = try e21.run("fetch", t21)
            #expect(fetch.status != 0)
            #expect(fetch.stderr.contains("shown they hold it"), "\(fetch.stderr)")
            #expect(!FileManager.default.fileExists(atPath: e21.home + "/blobs/\(n.photo.hex.prefix(2))/\(n.photo.hex)"))
            // Those whose ticket's reference is proven are unaffected.
            let own = try c.request("GET", path, token: n.token)
            #expect(own.status == 200 && own.body == n.photoBytes)
            let dispatch = try n.token("D1", role: "dispatcher")
            #expect(try c.request("GET", path, token: dispatch).status == 200)
            // E17's status has no challenge: E17 uploaded it.
            #expect(try json(try c.request("GET", "\(path)/status", token: n.token))["challenge"] == nil)
        }
    }

    @Test("a wrong proof is 403 and records nothing; a nonce is answered once; hostile proof bodies are refused")
    func wrongAndReplayedProofs() async throws {
        try await onOwnThread {
            let n = try LimitedNode()
            let (_, _, token) = try attacker(n)
            let path = "/v1/blobs/\(n.photo.hex)"
            let c = try n.connect()
            // No challenge open: nothing to answer.
            let unasked = try c.request("POST", "\(path)/prove", token: token, body: proofBody(nonce: String(repeating: "0", count: 64), proof: n.photo))
            #expect(unasked.status == 403 && unasked.error?.code == .forbidden)

            var nonce = try #require(try json(try c.request("POST", "\(path)/challenge", token: token))["nonce"] as? String)
            // Guesses: the blob's hash, the hash of the nonce alone, a proof over other bytes.
            let wrong = try c.request("POST", "\(path)/prove", token: token, body: proofBody(nonce: nonce, proof: n.photo))
            #expect(wrong.status == 403 && wrong.error?.code == .forbidden)
            #expect(wrong.error?.message.contains("nothing was recorded") == true)
            #expect(try c.request("GET", path, token: token).status == 403)
            // That nonce is spent: even the right answer to it is refused now.
            let late = try c.request("POST", "\(path)/prove", token: token, body: proofBody(nonce: nonce, proof: try proof(n, nonce: nonce)))
            #expect(late.status == 403)
            #expect(try c.request("GET", path, token: token).status == 403)

            // Another principal's nonce does not answer E21's challenge.
            nonce = try #require(try json(try c.request("POST", "\(path)/challenge", token: token))["nonce"] as? String)
            let other = try #require(try json(try c.request("POST", "\(path)/challenge", token: n.token))["nonce"] as? String)
            #expect(other != nonce)
            #expect(try c.request("POST", "\(path)/prove", token: token, body: proofBody(nonce: other, proof: try proof(n, nonce: other))).status == 403)
            #expect(try c.request("GET", path, token: token).status == 403)

            // Hostile bodies: refused, nothing recorded.
            nonce = try #require(try json(try c.request("POST", "\(path)/challenge", token: token))["nonce"] as? String)
            for (body, status) in [
                (Array("{}".utf8), 400), (Array("not json".utf8), 400), (Array("{\"nonce\": 7, \"proof\": []}".utf8), 400),
                (Array("{\"nonce\": \"\(nonce)\", \"proof\": \"\(String(repeating: "g", count: 64))\"}".utf8), 400),
                ([UInt8](repeating: 0x20, count: 5_000), 413),
            ] {
                let answer = try c.request("POST", "\(path)/prove", token: token, body: body)
                #expect(answer.status == status, "\(String(decoding: body.prefix(40), as: UTF8.self))")
                #expect(answer.error != nil)
            }
            #expect(try c.request("POST", "\(path)/prove", token: nil, body: Array("{}".utf8)).status == 401)
            #expect(try c.request("POST", "\(path)/challenge", token: try n.token("E99")).status == 403)
            #expect(try c.request("GET", path, token: token).status == 403)

            // The right answer to a fresh nonce: recorded, and the download works.
            nonce = try #require(try json(try c.request("POST", "\(path)/challenge", token: token))["nonce"] as? String)
            let right = try c.request("POST", "\(path)/prove", token: token, body: proofBody(nonce: nonce, proof: try proof(n, nonce: nonce)))
            #expect(right.status == 200)
            #expect(try c.request("GET", path, token: token).status == 200)
            // Replayed: the nonce is gone.
            #expect(try c.request("POST", "\(path)/prove", token: token, body: proofBody(nonce: nonce, proof: try proof(n, nonce: nonce))).status == 403)
        }
    }

    @Test("a second engineer attaching the same photo sends no blob bytes: the sync proves it, then their download works")
    func secondDeviceProves() async throws {
        let n = try LimitedNode(photoSize: 2_000_000)
        let t22 = try n.dispatch("E22")
        let e22 = try LimitedNode.engineer("E22", in: n.folder, node: n.node)
        try e22.ok("sync")
        try e22.ok("photo", t22, n.folder.path + "/photo.jpg", "--caption", "same photo, other engineer")
        let before = try await metrics(n)
        let report = try e22.ok("sync", "--json").object
        #expect((report["blobBytesUp"] as? Int) == 0)
        let after = try await metrics(n)
        #expect(after["fieldsync_blob_bytes_in_total"] == before["fieldsync_blob_bytes_in_total"])
        #expect(after["fieldsync_blob_requests_total{kind=\"prove\"}"] == 1)
        #expect((after["fieldsync_blob_requests_total{kind=\"upload\"}"] ?? 0) == (before["fieldsync_blob_requests_total{kind=\"upload\"}"] ?? 0))
        // Proven: E22's other device fetches it from E22's ticket.
        let token = try String(contentsOfFile: e22.home + "/token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let phone = Engineer(name: "E22-phone", home: n.folder.path + "/e22-phone")
        try phone.ok("init", "--engineer", "E22")
        try phone.ok("login", "--node", n.node.url, "--token", token)
        try phone.ok("sync")
        #expect((try phone.ok("fetch", t22, "--json").object["fetched"] as? Int) == 1)
        // And a later sync does not prove again (the blob is confirmed on the device).
        try e22.ok("sync")
        #expect(try await metrics(n)["fieldsync_blob_requests_total{kind=\"prove\"}"] == 1)
    }

    /// The node's counters, by their full name and labels.
    func metrics(_ n: LimitedNode) async throws -> [String: Int] {
        let text = String(decoding: try await URLSession.shared.data(from: URL(string: n.node.url + "/metrics")!).0, as: UTF8.self)
        var out: [String: Int] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Double(parts[1]) { out[String(parts[0])] = Int(v) }
        }
        return out
    }

    @Test("an engineer who fetched a photo through a proven reference and attaches it to another ticket shares it there too")
    func fetchedThenAttachedElsewhere() async throws {
        try await onOwnThread {
            let n = try LimitedNode()
            // E18 shares E17's ticket for a while and fetches its photo.
            #expect(try n.node.admin("ticket", "assign", n.ticket, "E18").status == 0)
            let e18 = try LimitedNode.engineer("E18", in: n.folder, node: n.node)
            try e18.ok("sync")
            #expect((try e18.ok("fetch", n.ticket, "--json").object["fetched"] as? Int) == 1)
            // Then attaches the same photo (from its device) to its own ticket, later handed to E19.
            let t18 = try n.dispatch("E18")
            try e18.ok("sync")
            try e18.ok("photo", t18, n.folder.path + "/photo.jpg")
            try e18.ok("sync")
            #expect(try n.node.admin("ticket", "assign", t18, "E19").status == 0)
            let c = try n.connect()
            let get = try c.request("GET", "/v1/blobs/\(n.photo.hex)", token: try n.token("E19"))
            #expect(get.status == 200 && get.body == n.photoBytes)
        }
    }
}
