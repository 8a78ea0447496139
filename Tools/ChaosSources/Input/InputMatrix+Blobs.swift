extension InputMatrix {
    /// Range headers on a blob E1 may download: documented ones answered exactly, the rest
    /// with the whole blob, a consistent part or a refusal; never a wrong length.
    static func ranges(_ c: InputContext) -> [HostileCase] {
        let size = c.photo.count
        let path = "/v1/blobs/\(c.photoSHA)"
        var out: [HostileCase] = []
        func add(_ range: String, _ expect: Expect, method: String = "GET") {
            out.append(HostileCase(category: "ranges", name: "\(method) Range: \(range)", request: c.request(method, path, token: c.e1Token, headers: [("Range", range)]), expect: expect))
        }
        add("bytes=0-", .either(.whole(c.photo), .tail(c.photo, from: 0)))
        add("bytes=100-", .tail(c.photo, from: 100))
        add("bytes=\(size - 1)-", .tail(c.photo, from: size - 1))
        add("bytes=\(size)-", .refusal(416, 13))
        add("bytes=\(size + 1)-", .refusal(416, 13))
        add("bytes=9223372036854775807-", .refusal(416, 13))
        for hostile in [
            "bytes=9223372036854775808-", "bytes=18446744073709551615-", "bytes=18446744073709551616-", "bytes=99999999999999999999999999-",
            "bytes=-1-", "bytes=-9223372036854775808-", "bytes=-1", "bytes=-0", "bytes=-9223372036854775808", "bytes=0-0", "bytes=5-2",
            "bytes=0--1", "bytes=1-9223372036854775807", "bytes=1-18446744073709551616", "bytes=abc-", "bytes=", "bytes=-", "items=0-",
            "bytes=0-1,3-4", "bytes= 1-", "bytes=0x10-", "bytes=+5-", "bytes=1e3-",
        ] {
            add(hostile, .anyRangeAnswer(c.photo))
        }
        out.append(HostileCase(category: "ranges", name: "HEAD blob", request: c.request("HEAD", path, token: c.e1Token),
                               expect: .answer([200], "200 with Content-Length \(size)") { $0.contentLength == size }))
        for hostile in ["bytes=-1-", "bytes=-9223372036854775808-", "bytes=\(size)-"] {
            add(hostile, .answer([200, 206, 400, 416], "200/206/400/416 with a Content-Length within the blob") { ($0.contentLength ?? 0) <= size }, method: "HEAD")
        }
        // E2 attached E1's photo by its hash only: knowing a hash is not holding the bytes.
        out.append(HostileCase(category: "ranges", name: "GET by E2, who attached it knowing only its hash", request: c.request("GET", path, token: c.e2Token), expect: .refusal(403, 5)))
        out.append(HostileCase(category: "ranges", name: "GET by E2, who attached it knowing only its hash, Range: bytes=0-", request: c.request("GET", path, token: c.e2Token, headers: [("Range", "bytes=0-")]), expect: .refusal(403, 5)))
        out.append(HostileCase(category: "ranges", name: "HEAD by E2, who attached it knowing only its hash", request: c.request("HEAD", path, token: c.e2Token), expect: .answer([403], "403")))
        let pending = "/v1/blobs/\(c.pendingSHA)"
        // Declared by an op that proves nothing: not held (404), or not proven (403).
        let absent = Expect.either(.refusal(404, 11), .refusal(403, 5))
        out.append(HostileCase(category: "ranges", name: "GET a declared blob not uploaded", request: c.request("GET", pending, token: c.e1Token), expect: absent))
        out.append(HostileCase(category: "ranges", name: "GET a declared blob not uploaded, Range: bytes=0-", request: c.request("GET", pending, token: c.e1Token, headers: [("Range", "bytes=0-")]), expect: absent))
        out.append(HostileCase(category: "ranges", name: "HEAD a declared blob not uploaded", request: c.request("HEAD", pending, token: c.e1Token), expect: .answer([403, 404], "403/404")))
        out.append(HostileCase(category: "ranges", name: "GET a blob no op names", request: c.request("GET", "/v1/blobs/" + String(repeating: "0", count: 64), token: c.e1Token), expect: .refusal([403, 404, 409])))
        return out
    }

    /// Upload offsets and sizes: out of range, unparsable, overflowing, past the size.
    static func offsets(_ c: InputContext) -> [HostileCase] {
        let pending = "/v1/blobs/\(c.pendingSHA)"
        var out: [HostileCase] = []
        func add(_ name: String, _ request: RawRequest, _ expect: Expect) {
            out.append(HostileCase(category: "offsets", name: name, request: request, expect: expect))
        }
        let ten = [UInt8](repeating: 0x5A, count: 10)
        for offset in ["-1", "-9223372036854775808", "9223372036854775807", "9223372036854775808", "18446744073709551616", "abc", "", "0x10", "1e3", "%00", "\(c.pendingSize)", "\(c.pendingSize + 1)"] {
            add("PUT offset=\(offset)", c.request("PUT", pending + "?offset=\(offset)", token: c.e1Token, body: ten), .refusal([400, 409, 413, 416]))
        }
        add("PUT without offset", c.request("PUT", pending, token: c.e1Token, body: ten), .refusal([400, 409]))
        add("PUT offset=1&offset=0", c.request("PUT", pending + "?offset=1&offset=0", token: c.e1Token, body: ten), .either(.refusal([400, 409]), .answer([200], "200 partial")))
        add("PUT past the declared size", c.request("PUT", pending + "?offset=0", token: c.e1Token, body: [UInt8](repeating: 1, count: c.pendingSize + 904)), .refusal(413, 3))
        add("PUT wrong bytes with finish=1", c.request("PUT", pending + "?offset=0&finish=1", token: c.e1Token, body: ten), .refusal(422, 15))
        add("finish with nothing held", c.request("POST", pending + "/finish", token: c.e1Token), .refusal([409, 422]))
        add("PUT Content-Length 1 TiB", c.request("PUT", pending + "?offset=0", token: c.e1Token, headers: [("Content-Length", "\(1 << 40)")]), .closedOrRefused([400, 413]))
        add("PUT a blob no op names", c.request("PUT", "/v1/blobs/\(String(repeating: "0", count: 64))?offset=0", token: c.e1Token, body: ten), .refusal(409, 14))
        add("PUT onto a complete blob", c.request("PUT", "/v1/blobs/\(c.photoSHA)?offset=0", token: c.e1Token, body: ten),
            .either(.refusal([400, 409]), .answer([200], "200 complete") { String(decoding: $0.body, as: UTF8.self).contains("complete") }))
        return out
    }

    /// Blob names that try to leave the blob folder.
    static func traversal(_ c: InputContext) -> [HostileCase] {
        var out: [HostileCase] = []
        let refused = Expect.either(.refusal([400, 403, 404, 405]), .whole(c.photo))
        let names = [
            "../node.sqlite", "..%2Fnode.sqlite", "..%2F..%2Fnode.sqlite", "%2e%2e%2f%2e%2e%2fnode.sqlite", "%2E%2E/%2E%2E/node.sqlite",
            "....//node.sqlite", "..%252F..%252Fnode.sqlite", "%2Fetc%2Fpasswd", "\(c.photoSHA.prefix(2))%2F\(c.photoSHA)",
            "\(c.photoSHA)%00", "\(c.photoSHA)/../../../../etc/passwd", "\(c.photoSHA)%2F..%2F..%2Fnode.sqlite",
            c.photoSHA.uppercased(), String(c.photoSHA.dropLast()), c.photoSHA + "0", "..", ".", "%2e%2e", "%c0%ae%c0%ae%2fnode.sqlite",
        ]
        for name in names {
            out.append(HostileCase(category: "traversal", name: "GET /v1/blobs/\(name)", request: c.request("GET", "/v1/blobs/\(name)", token: c.e1Token), expect: refused))
        }
        for name in ["..%2F..%2Fevil", "%2e%2e%2fpartial%2fevil", "../evil", "..%2F..%2F..%2Ftmp%2Ffieldsync-chaos-evil"] {
            out.append(HostileCase(category: "traversal", name: "PUT /v1/blobs/\(name)", request: c.request("PUT", "/v1/blobs/\(name)?offset=0", token: c.e1Token, body: Array("evil".utf8)), expect: .refusal([400, 403, 404, 405])))
            out.append(HostileCase(category: "traversal", name: "POST /v1/blobs/\(name)/finish", request: c.request("POST", "/v1/blobs/\(name)/finish", token: c.e1Token), expect: .refusal([400, 403, 404, 405])))
        }
        out.append(HostileCase(category: "traversal", name: "GET /../../etc/passwd", request: c.request("GET", "/../../etc/passwd", token: c.e1Token), expect: .refusal([400, 404])))
        return out
    }

    /// `POST /v1/blobs/status` with bodies that are not the list it wants.
    static func batchStatus(_ c: InputContext) -> [HostileCase] {
        var out: [HostileCase] = []
        func add(_ name: String, _ body: String, _ expect: Expect) {
            out.append(HostileCase(category: "batch status", name: name, request: c.request("POST", "/v1/blobs/status", token: c.e1Token, body: Array(body.utf8), headers: [("Content-Type", "application/json")]), expect: expect))
        }
        add("its own blobs (control)", "{\"blobs\":[\"\(c.photoSHA)\",\"\(c.pendingSHA)\"]}", .answer([200], "200 with the photo complete") { String(decoding: $0.body, as: UTF8.self).contains("complete") })
        add("not JSON", "blobs please", .refusal(400, 1))
        add("blobs not a list", "{\"blobs\":\"x\"}", .refusal(400, 1))
        add("a name with ..", "{\"blobs\":[\"../../node.sqlite\"]}", .refusal(400, 1))
        add("1,001 names", "{\"blobs\":[" + Array(repeating: "\"\(c.photoSHA)\"", count: 1001).joined(separator: ",") + "]}", .refusal([400, 413]))
        add("100,000 nested arrays", "{\"blobs\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}", .refusal([400, 413]))
        add("a number of a million digits' exponent", "{\"blobs\":[1e999999]}", .refusal(400, 1))
        add("9 MiB of JSON", "{\"blobs\":[\"" + String(repeating: "a", count: 9 << 20) + "\"]}", .refusal([400, 413]))
        return out
    }
}
