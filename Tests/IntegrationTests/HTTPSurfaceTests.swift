import FieldModel
import FieldTestSupport
import FieldWire
import Foundation
import Testing

/// The node's HTTP surface against a hostile client, through the real node: numbers from
/// outside, HEAD, error bodies on every refusal, timeouts. Each refusal carries an error
/// frame with its code and changes nothing; the node answers a real request afterwards.
@Suite(.serialized) struct HTTPSurfaceTests {
    /// Expects `answer` to be a refusal with `status` and an error frame with `code`.
    func refused(_ answer: RawHTTP.Answer, _ status: Int, _ code: ErrorCode, _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.status == status, comment, sourceLocation: sourceLocation)
        #expect(answer.error?.code == code, "\(comment): \(String(decoding: answer.body, as: UTF8.self))", sourceLocation: sourceLocation)
        #expect((answer.error?.message.count ?? 0) > 5, comment, sourceLocation: sourceLocation)
        #expect(!(answer.error?.message.contains("\n") ?? true), comment, sourceLocation: sourceLocation)
    }

    @Test("hostile Range headers are refused (400/416) on one keep-alive connection; the node stays up and never mis-states a length")
    func hostileRanges() async throws {
        try await onOwnThread {
            let n = try LimitedNode()
            let size = n.photoBytes.count
            let path = "/v1/blobs/\(n.photo.hex)"
            let c = try n.connect()
            let malformed = [
                "bytes=-9223372036854775808-", "bytes=-1-", "bytes=18446744073709551616-", "bytes=99999999999999999999999-",
                "bytes=+5-", "bytes= 5-", "bytes=5", "bytes=0-1,3-4", "items=0-", "bytes=5-2", "bytes=-", "bytes=0x10-", "bytes=-1-2",
                "bytes=--5", "bytes=5-18446744073709551616",
            ]
            for range in malformed {
                let answer = try c.request("GET", path, token: n.token, headers: ["Range": range])
                refused(answer, 400, .malformed, "Range: \(range)")
            }
            for range in ["bytes=-0", "bytes=\(size)-", "bytes=\(size + 1)-", "bytes=18446744073709551615-", "bytes=\(size + 1)-\(size + 5)"] {
                let answer = try c.request("GET", path, token: n.token, headers: ["Range": range])
                refused(answer, 416, .rangeNotSatisfiable, "Range: \(range)")
                #expect(answer.headers["content-range"] == "bytes */\(size)", "Range: \(range)")
            }
            // What is served is exactly what was asked, with a length that matches.
            let served: [(String?, Int, Range<Int>)] = [
                (nil, 200, 0..<size), ("bytes=0-", 206, 0..<size), ("bytes=10-", 206, 10..<size), ("bytes=10-19", 206, 10..<20),
                ("bytes=-5", 206, (size - 5)..<size), ("bytes=-\(size * 3)", 206, 0..<size), ("bytes=0-18446744073709551615", 206, 0..<size),
                ("bytes=\(size - 1)-", 206, (size - 1)..<size), ("bytes=00000000000000000001-1", 206, 1..<2),
            ]
            for (range, status, bytes) in served {
                let answer = try c.request("GET", path, token: n.token, headers: range.map { ["Range": $0] } ?? [:])
                #expect(answer.status == status, "Range: \(range ?? "none")")
                #expect(answer.body == Array(n.photoBytes[bytes]), "Range: \(range ?? "none")")
                #expect(answer.headers["content-length"] == String(bytes.count), "Range: \(range ?? "none")")
                if status == 206 { #expect(answer.headers["content-range"] == "bytes \(bytes.lowerBound)-\(bytes.upperBound - 1)/\(size)") }
            }
            #expect(try c.request("GET", "/healthz", token: nil).status == 200)
            // The device still fetches, also when a fetch was cut after its last byte (the node
            // says 416 to bytes=SIZE-; the device verifies what it holds).
            let phone = Engineer(name: "phone", home: n.folder.path + "/phone")
            try phone.ok("init", "--engineer", "E17")
            try phone.ok("login", "--node", n.node.url, "--token", n.token)
            try phone.ok("sync")
            try FileManager.default.createDirectory(atPath: phone.home + "/blobs/tmp", withIntermediateDirectories: true)
            try Data(n.photoBytes).write(to: URL(fileURLWithPath: phone.home + "/blobs/tmp/fetch-\(n.photo.hex)"))
            #expect((try phone.ok("fetch", n.ticket, "--json").object["fetched"] as? Int) == 1)
            #expect(try Data(contentsOf: URL(fileURLWithPath: phone.home + "/blobs/\(n.photo.hex.prefix(2))/\(n.photo.hex)")) == Data(n.photoBytes))
            // All of it held, but wrong: discarded, and the next fetch brings the right bytes.
            let tablet = Engineer(name: "tablet", home: n.folder.path + "/tablet")
            try tablet.ok("init", "--engineer", "E17")
            try tablet.ok("login", "--node", n.node.url, "--token", n.token)
            try tablet.ok("sync")
            try FileManager.default.createDirectory(atPath: tablet.home + "/blobs/tmp", withIntermediateDirectories: true)
            try Data(repeating: 7, count: size).write(to: URL(fileURLWithPath: tablet.home + "/blobs/tmp/fetch-\(n.photo.hex)"))
            #expect(try tablet.run("fetch", n.ticket).status != 0)
            #expect((try tablet.ok("fetch", n.ticket, "--json").object["fetched"] as? Int) == 1)
            }
    }

    @Test("HEAD on a blob: GET's status and headers, no body, same authorisation")
    func headOnBlobs() async throws {
        try await onOwnThread {
            let n = try LimitedNode()
            let path = "/v1/blobs/\(n.photo.hex)"
            let c = try n.connect()
            let head = try c.request("HEAD", path, token: n.token)
            #expect(head.status == 200)
            #expect(head.headers["content-length"] == String(n.photoBytes.count))
            #expect(head.headers["accept-ranges"] == "bytes")
            let ranged = try c.request("HEAD", path, token: n.token, headers: ["Range": "bytes=100-"])
            #expect(ranged.status == 206)
            #expect(ranged.headers["content-length"] == String(n.photoBytes.count - 100))
            #expect(ranged.headers["content-range"] == "bytes 100-\(n.photoBytes.count - 1)/\(n.photoBytes.count)")
            #expect(try c.request("HEAD", path, token: n.token, headers: ["Range": "bytes=-1-"]).status == 400)
            #expect(try c.request("HEAD", path, token: nil).status == 401)
            #expect(try c.request("HEAD", path, token: "fs_wrong").status == 401)
            #expect(try c.request("HEAD", path, token: try n.token("E21")).status == 403)
            let stray = SHA256.hash(Array("nobody attached me".utf8))
            #expect(try c.request("HEAD", "/v1/blobs/\(stray.hex)", token: n.token).status == 409)
            // Had any HEAD answer carried a body, this would read it as its head.
            let get = try c.request("GET", path, token: n.token)
            #expect(get.status == 200 && get.body == n.photoBytes)
            }
    }

    @Test("every refusal carries an error frame with its code: router 404, 405, parser 400, 401, 403, 404, 409, 413, 416, 422, 500")
    func refusalsCarryErrorFrames() async throws {
        try await onOwnThread {
            let n = try LimitedNode(uploadPhoto: false)
            let blob = "/v1/blobs/\(n.photo.hex)"
            let c = try n.connect()
            refused(try c.request("GET", "/nowhere", token: n.token), 404, .notFound, "unknown path")
            refused(try c.request("GET", "/v1/blobs/\(n.photo.hex)/nothing/here", token: n.token), 404, .notFound, "unknown blob path")
            let wrongMethod = try c.request("DELETE", "/v1/sync", token: n.token)
            refused(wrongMethod, 405, .methodNotAllowed, "DELETE /v1/sync")
            #expect(wrongMethod.headers["allow"] == "POST")
            refused(try c.request("PATCH", blob, token: n.token), 405, .methodNotAllowed, "PATCH a blob")
            refused(try c.request("GET", blob, token: nil), 401, .unauthorized, "no token")
            refused(try c.request("GET", blob, token: "fs_" + String(repeating: "A", count: 5000)), 401, .unauthorized, "a huge wrong token")
            refused(try c.request("GET", blob, token: try n.token("E21")), 403, .forbidden, "another engineer's blob")
            refused(try c.request("GET", "/v1/blobs/not-a-hash", token: n.token), 400, .malformed, "not a hash")
            refused(try c.request("GET", blob, token: n.token), 404, .notFound, "blob not on the node")
            let stray = SHA256.hash(Array("nobody attached me".utf8))
            refused(try c.request("PUT", "/v1/blobs/\(stray.hex)?offset=0", token: n.token, body: [1]), 409, .conflict, "no op refers to it")
            let wrongOffset = try c.request("PUT", "\(blob)?offset=5", token: n.token, body: [1])
            refused(wrongOffset, 409, .conflict, "an offset the node does not hold")
            // A refusal that may leave a body unread closes the connection: a client's next
            // request must not queue behind the unread bytes (on a slow link, for longer than it
            // waits). One without a body keeps it.
            #expect(wrongOffset.headers["connection"] == "close")
            #expect(try c.request("GET", blob, token: try n.token("E21")).headers["connection"] != "close")
            refused(try c.request("PUT", "\(blob)?offset=0", token: n.token, body: [UInt8](repeating: 1, count: 100_001)), 413, .tooLarge, "over the declared size")
            refused(try c.request("PUT", "\(blob)?offset=0&finish=1", token: n.token, body: [UInt8](repeating: 1, count: 100_000)), 422, .hashMismatch, "wrong bytes")
            let right = try c.request("PUT", "\(blob)?offset=0&finish=1", token: n.token, body: n.photoBytes)
            #expect(right.status == 200)
            refused(try c.request("GET", blob, token: n.token, headers: ["Range": "bytes=100001-"]), 416, .rangeNotSatisfiable, "past the end")
            // Declared lengths past a limit are refused at once, without waiting for the bytes.
            let hugeSync = try n.connect()
            hugeSync.send("POST /v1/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(n.token)\r\nContent-Length: \(1 << 40)\r\n\r\n")
            refused(try hugeSync.readAnswer(), 413, .tooLarge, "a sync declaring 1 TiB")
            let hugePut = try n.connect()
            hugePut.send("PUT \(blob)?offset=0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(n.token)\r\nContent-Length: \(1 << 40)\r\n\r\n")
            refused(try hugePut.readAnswer(), 413, .tooLarge, "a PUT declaring 1 TiB")
            let hugeProof = try n.connect()
            hugeProof.send("POST \(blob)/prove HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(n.token)\r\nContent-Length: \(1 << 40)\r\n\r\n")
            refused(try hugeProof.readAnswer(), 413, .tooLarge, "a proof declaring 1 TiB")
            let body = try c.request("POST", "/v1/blobs/status", token: n.token, headers: ["Content-Type": "application/json"], body: Array("{\"blobs\": 7}".utf8))
            refused(body, 400, .malformed, "a status query that is not a list")

            // Bytes that are not HTTP: 400 with the frame, then the connection closes.
            let garbage = try n.connect()
            garbage.send("GARBAGE\r\n\r\n")
            refused(try garbage.readAnswer(), 400, .malformed, "not HTTP")
            #expect(garbage.closed(within: 5))
            let badHeader = try n.connect()
            badHeader.send("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
            refused(try badHeader.readAnswer(), 400, .malformed, "a header line without a colon")

            // A 500 says the node failed, not where: its data folder is not in the message.
            try FileManager.default.removeItem(atPath: n.partialPath)
            try Data("not a folder".utf8).write(to: URL(fileURLWithPath: n.partialPath))
            let photo2 = try BlobTests.randomFile(n.folder.path + "/p2.jpg", bytes: 1_000, seed: 78)
            try n.e17.ok("photo", n.ticket, n.folder.path + "/p2.jpg")
            try FileManager.default.removeItem(atPath: n.e17.home + "/blobs/\(photo2.hex.prefix(2))/\(photo2.hex)")
            try n.e17.ok("sync")
            let failed = try c.request("PUT", "/v1/blobs/\(photo2.hex)?offset=0", token: n.token, body: [1, 2, 3])
            refused(failed, 500, .internalError, "the node cannot write")
            #expect(!(failed.error?.message.contains(n.node.data) ?? true))
            #expect(!(failed.error?.message.contains("/") ?? true))
            #expect(try c.request("GET", "/healthz", token: nil).status == 200)
            }
    }

    @Test("numbers in upload queries are checked: signs, hex, over 64 bits and bad finish values are 400 and store nothing")
    func hostileOffsets() async throws {
        try await onOwnThread {
            let n = try LimitedNode(uploadPhoto: false)
            let blob = "/v1/blobs/\(n.photo.hex)"
            let c = try n.connect()
            for query in [
                "offset=-1", "offset=+0", "offset=0x0", "offset=18446744073709551616", "offset=", "offset=1e3", "offset=%2D1", "finish=1",
                "offset=0&finish=2", "offset=0&finish=true", "offset=18446744073709551615",
            ] {
                let answer = try c.request("PUT", "\(blob)?\(query)", token: n.token, body: [1, 2, 3])
                if query == "offset=18446744073709551615" {
                    refused(answer, 413, .tooLarge, "\(query)")
                } else {
                    refused(answer, 400, .malformed, "\(query)")
                }
                #expect(!FileManager.default.fileExists(atPath: n.partialPath + "/\(n.photo.hex)"), "\(query)")
            }
            let status = try c.request("GET", "\(blob)/status", token: n.token)
            #expect(String(decoding: status.body, as: UTF8.self).contains("absent"))
            // Another engineer's token changes nothing either.
            refused(try c.request("PUT", "\(blob)?offset=0", token: try n.token("E21"), body: [1, 2, 3]), 403, .forbidden, "E21")
            #expect(!FileManager.default.fileExists(atPath: n.partialPath + "/\(n.photo.hex)"))
            }
    }

    @Test("a slow head, an idle keep-alive connection and a stalled upload are cut after the header timeout; the upload keeps what arrived")
    func headerAndIdleTimeouts() async throws {
        try await onOwnThread {
            let n = try LimitedNode(["--header-timeout", "2"], uploadPhoto: false)
            // One byte a second: never a whole head in time.
            let slow = try n.connect()
            let started = Date()
            var cut = false
            for byte in Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 0123456789\r\n\r\n".utf8) {
                if !slow.send([byte]) || slow.closed(within: 1) {
                    cut = true
                    break
                }
            }
            #expect(cut)
            #expect(Date().timeIntervalSince(started) < 5)
            // Idle after an answer.
            let idle = try n.connect()
            #expect(try idle.request("GET", "/healthz", token: nil).status == 200)
            #expect(idle.closed(within: 5))
            // A body that stops: the node keeps the bytes that came and closes.
            let stalled = try n.connect()
            let head = "PUT /v1/blobs/\(n.photo.hex)?offset=0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(n.token)\r\nContent-Length: 100000\r\n\r\n"
            stalled.send(Array(head.utf8) + Array(n.photoBytes.prefix(30_000)))
            #expect(stalled.closed(within: 6))
            var held: Int?
            let deadline = Date().addingTimeInterval(3)
            repeat {
                let status = try n.connect().request("GET", "/v1/blobs/\(n.photo.hex)/status", token: n.token)
                held = (try JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any])?["bytes"] as? Int
            } while held != 30_000 && Date() < deadline
            #expect(held == 30_000)
            // A prompt client is unaffected.
            #expect(try n.connect().request("GET", "/healthz", token: nil).status == 200)
            }
    }

    @Test("a principal's unfinished uploads are capped (507, nothing written) and expire after the TTL")
    func partialUploadsAreCappedAndExpire() async throws {
        try await onOwnThread {
            let n = try LimitedNode(["--max-partial-bytes", "100000", "--partial-ttl-seconds", "3"], photoSize: 80_000, uploadPhoto: false)
            let second = try BlobTests.randomFile(n.folder.path + "/second.jpg", bytes: 80_000, seed: 79)
            try n.e17.ok("photo", n.ticket, n.folder.path + "/second.jpg")
            try FileManager.default.removeItem(atPath: n.e17.home + "/blobs/\(second.hex.prefix(2))/\(second.hex)")
            try n.e17.ok("sync")
            let secondBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: n.folder.path + "/second.jpg")))
            let c = try n.connect()
            #expect(try c.request("PUT", "/v1/blobs/\(n.photo.hex)?offset=0", token: n.token, body: Array(n.photoBytes.prefix(60_000))).status == 200)
            let over = try c.request("PUT", "/v1/blobs/\(second.hex)?offset=0", token: n.token, body: Array(secondBytes.prefix(60_000)))
            refused(over, 507, .quota, "over the cap")
            #expect(!FileManager.default.fileExists(atPath: n.partialPath + "/\(second.hex)"))
            // Under the cap still goes.
            #expect(try c.request("PUT", "/v1/blobs/\(second.hex)?offset=0", token: n.token, body: Array(secondBytes.prefix(40_000))).status == 200)
            refused(
                try c.request("PUT", "/v1/blobs/\(second.hex)?offset=40000", token: n.token, body: [1]), 507, .quota, "one byte over the cap")
            // Untouched past the TTL: deleted by the node's periodic sweep (no request needed),
            // and the cap is free again.
            Thread.sleep(forTimeInterval: 3)
            let deadline = Date().addingTimeInterval(5)
            // Both: the second upload was touched a moment after the first, so a sweep may fall between their expiries.
            while Date() < deadline,
                FileManager.default.fileExists(atPath: n.partialPath + "/\(n.photo.hex)")
                    || FileManager.default.fileExists(atPath: n.partialPath + "/\(second.hex)")
            {
                Thread.sleep(forTimeInterval: 0.2)
            }
            #expect(!FileManager.default.fileExists(atPath: n.partialPath + "/\(n.photo.hex)"))
            #expect(!FileManager.default.fileExists(atPath: n.partialPath + "/\(second.hex)"))
            let status = try n.connect().request("GET", "/v1/blobs/\(n.photo.hex)/status", token: n.token)
            #expect(String(decoding: status.body, as: UTF8.self).contains("absent"))
            // The device uploads both whole afterwards (each under the cap on its own).
            try FileManager.default.copyItem(atPath: n.folder.path + "/photo.jpg", toPath: n.e17.home + "/blobs/\(n.photo.hex.prefix(2))/\(n.photo.hex)")
            let report = try n.e17.ok("sync", "--json").object
            #expect((report["blobsUploaded"] as? Int) == 1)
            }
    }

    @Test("a chunked upload (no Content-Length) stops at the principal's cap: 507, bytes within it stay, none past it; hostile lengths are 400")
    func chunkedUploadStopsAtTheCap() async throws {
        try await onOwnThread {
            let n = try LimitedNode(["--max-partial-bytes", "50000"], photoSize: 80_000, uploadPhoto: false)
            let c = try n.connect()
            c.send("PUT /v1/blobs/\(n.photo.hex)?offset=0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(n.token)\r\nTransfer-Encoding: chunked\r\n\r\n")
            func chunk(_ bytes: ArraySlice<UInt8>) { c.send(Array("\(String(bytes.count, radix: 16))\r\n".utf8) + bytes + Array("\r\n".utf8)) }
            chunk(n.photoBytes[0..<30_000])
            Thread.sleep(forTimeInterval: 0.5)
            chunk(n.photoBytes[30_000..<60_000])
            c.send("0\r\n\r\n")
            refused(try c.readAnswer(), 507, .quota, "past the cap mid-body")
            // Bytes arrive in pieces of the node's reads: those within the cap are kept, none past it.
            let status = try n.connect().request("GET", "/v1/blobs/\(n.photo.hex)/status", token: n.token)
            let held = try #require((try JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any])?["bytes"] as? Int)
            #expect(held >= 30_000 && held <= 50_000, "held \(held)")
            // Hostile lengths are refused before anything is read.
            for length in ["-1", "18446744073709551616", "+5", "0x10"] {
                let raw = try n.connect()
                raw.send("PUT /v1/blobs/\(n.photo.hex)?offset=\(held) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(n.token)\r\nContent-Length: \(length)\r\n\r\n")
                let answer = try raw.readAnswer()
                #expect(answer.status == 400, "Content-Length: \(length)")
                #expect(answer.error?.code == .malformed, "Content-Length: \(length)")
            }
            let after = try n.connect().request("GET", "/v1/blobs/\(n.photo.hex)/status", token: n.token)
            #expect((try JSONSerialization.jsonObject(with: Data(after.body)) as? [String: Any])?["bytes"] as? Int == held)
            }
    }

    @Test("two uploads at once cannot each take the room left under the cap; duplicated query numbers are refused")
    func concurrentUploadsShareTheCap() async throws {
        try await onOwnThread {
            let n = try LimitedNode(["--max-partial-bytes", "100000"], photoSize: 80_000, uploadPhoto: false)
            let second = try BlobTests.randomFile(n.folder.path + "/second.jpg", bytes: 80_000, seed: 80)
            try n.e17.ok("photo", n.ticket, n.folder.path + "/second.jpg")
            try FileManager.default.removeItem(atPath: n.e17.home + "/blobs/\(second.hex.prefix(2))/\(second.hex)")
            try n.e17.ok("sync")
            let secondBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: n.folder.path + "/second.jpg")))
            // The first upload declares 60,000 bytes and is slow to send them.
            let first = try n.connect()
            first.send("PUT /v1/blobs/\(n.photo.hex)?offset=0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(n.token)\r\nContent-Length: 60000\r\n\r\n")
            first.send(Array(n.photoBytes[0..<10_000]))
            Thread.sleep(forTimeInterval: 0.5)
            // Meanwhile 60,000 more would pass 100,000 in all.
            let c = try n.connect()
            refused(try c.request("PUT", "/v1/blobs/\(second.hex)?offset=0", token: n.token, body: Array(secondBytes[0..<60_000])), 507, .quota, "second at once")
            #expect(!FileManager.default.fileExists(atPath: n.partialPath + "/\(second.hex)"))
            first.send(Array(n.photoBytes[10_000..<60_000]))
            #expect(try first.readAnswer().status == 200)
            // What is left goes.
            #expect(try c.request("PUT", "/v1/blobs/\(second.hex)?offset=0", token: n.token, body: Array(secondBytes[0..<40_000])).status == 200)
            for query in ["offset=40000&offset=0", "offset=40000&finish=1&finish=1", "offset=40000&finish=1&finish=0"] {
                refused(try c.request("PUT", "/v1/blobs/\(second.hex)?\(query)", token: n.token, body: [1]), 400, .malformed, "\(query)")
            }
            }
    }
}
