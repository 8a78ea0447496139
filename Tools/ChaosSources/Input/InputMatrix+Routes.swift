extension InputMatrix {
    /// Paths and methods the node does not serve.
    static func routes(_ c: InputContext) -> [HostileCase] {
        var out: [HostileCase] = []
        func add(_ method: String, _ target: String, _ expect: Expect) {
            out.append(HostileCase(category: "routes", name: "\(method) \(target.count > 60 ? String(target.prefix(40)) + "… (\(target.count) bytes)" : target)", request: c.request(method, target, token: c.e1Token), expect: expect))
        }
        let notServed = Expect.refusal([404, 405])
        add("GET", "/v1/sync", notServed)
        add("DELETE", "/v1/sync", notServed)
        add("GET", "/", .refusal(404, 11))
        add("GET", "/v1", .refusal(404, 11))
        add("GET", "/v1/blobs", notServed)
        add("PATCH", "/v1/blobs/\(c.photoSHA)", notServed)
        add("DELETE", "/v1/blobs/\(c.photoSHA)", notServed)
        add("POST", "/healthz", notServed)
        add("GET", "/v2/sync", .refusal(404, 11))
        add("GET", "/v1/" + String(repeating: "a", count: 10_000), .closedOrRefused([400, 404, 414, 431]))
        return out
    }

    /// Requests that are not HTTP, or barely.
    static func http(_ c: InputContext) -> [HostileCase] {
        var out: [HostileCase] = []
        func add(_ name: String, _ raw: String, _ expect: Expect = .closedOrRefused([400, 404, 405, 413, 431])) {
            out.append(HostileCase(category: "http", name: name, request: RawRequest(raw: Array(raw.utf8)), expect: expect))
        }
        let auth = "Authorization: Bearer \(c.e1Token)\r\n"
        add("not HTTP", "GARBAGE\r\n\r\n")
        add("HTTP/9.9", "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", .closedOrRefused([400, 404, 505]))
        add("a header without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\nConnection: close\r\n\r\n")
        add("a 100 KB header", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\nConnection: close\r\n\r\n")
        add("10,000 headers", "GET /healthz HTTP/1.1\r\nHost: x\r\n" + String(repeating: "X-A: b\r\n", count: 10_000) + "Connection: close\r\n\r\n")
        add("two Content-Lengths", "POST /v1/sync HTTP/1.1\r\nHost: x\r\n\(auth)Content-Length: 3\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde")
        add("Content-Length and chunked", "POST /v1/sync HTTP/1.1\r\nHost: x\r\n\(auth)Content-Length: 3\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n")
        add("NUL in the request line", "GET /heal\u{0}thz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        add("bare LF and no Host", "GET /v1/nope HTTP/1.1\nConnection: close\n\n", .closedOrRefused([400, 401, 404]))
        return out
    }
}
