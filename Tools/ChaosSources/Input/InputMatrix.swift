/// The hostile requests of `Tools/chaos input`, each with the refusal Protocol/SPEC.md
/// documents for it. Categories live in the extensions beside this file.
enum InputMatrix {
    static func cases(_ c: InputContext) -> [HostileCase] {
        tokens(c) + frames(c) + compression(c) + sizes(c) + pushes(c) + ranges(c) + offsets(c) + traversal(c)
            + batchStatus(c) + routes(c) + http(c)
    }

    /// Every endpoint with no, a wrong, a revoked and another engineer's token.
    static func tokens(_ c: InputContext) -> [HostileCase] {
        var out: [HostileCase] = []
        let blob = "/v1/blobs/\(c.photoSHA)"
        let pending = "/v1/blobs/\(c.pendingSHA)"
        for who in InputContext.Who.allCases {
            let token = c.token(who)
            let denied: Expect = who == .other ? .refusal(403, 5) : .refusal(401, 4)
            func add(_ name: String, _ request: RawRequest, _ expect: Expect) {
                out.append(HostileCase(category: "tokens", name: "\(name), \(who.rawValue)", request: request, expect: expect))
            }
            // Another engineer pushing E1's next op onto E1's ticket.
            let push = HostileBodies.push(c.e1Replica, [HostileBodies.note(c.e1Next, by: c.e1Replica, on: c.ticketA)])
            add("POST /v1/sync", c.request("POST", "/v1/sync", token: token, body: push), denied)
            if who == .other {
                // E2 has attached this photo by its hash (setup), so asking what the node
                // holds may be answered; the bytes may not (GET and HEAD below).
                add("GET blob status", c.request("GET", blob + "/status", token: token), .either(denied, .answer([200], "200 status")))
                add("POST /v1/blobs/status", c.request("POST", "/v1/blobs/status", token: token, body: Array("{\"blobs\":[\"\(c.photoSHA)\"]}".utf8)),
                    .answer([200], "200 with the blob's entry") { r in String(decoding: r.body, as: UTF8.self).contains(c.photoSHA) })
            } else {
                add("GET blob status", c.request("GET", blob + "/status", token: token), denied)
                add("POST /v1/blobs/status", c.request("POST", "/v1/blobs/status", token: token, body: Array("{\"blobs\":[\"\(c.photoSHA)\"]}".utf8)), denied)
            }
            add("PUT blob", c.request("PUT", pending + "?offset=0", token: token, body: Array(repeating: 7, count: 10)), denied)
            add("PUT blob finish=1", c.request("PUT", pending + "?offset=0&finish=1", token: token, body: Array(repeating: 7, count: 10)), denied)
            add("POST blob finish", c.request("POST", pending + "/finish", token: token), denied)
            add("GET blob", c.request("GET", blob, token: token), denied)
            add("HEAD blob", c.request("HEAD", blob, token: token),
                .answer([denied.text.hasPrefix("403") ? 403 : 401], "\(who == .other ? 403 : 401) (HEAD: no body)"))
            add("GET /healthz", c.request("GET", "/healthz", token: token), .answer([200], "200"))
            add("GET /metrics", c.request("GET", "/metrics", token: token), .answer([200], "200"))
            add("GET unknown path", c.request("GET", "/v1/nope", token: token), who == .other ? .refusal(404, 11) : .refusal([401, 404]))
        }
        // The setup blob's owner may see it: the control for the cases above.
        out.append(HostileCase(category: "tokens", name: "GET blob, its engineer (control)", request: c.request("GET", blob, token: c.e1Token), expect: .whole(c.photo)))
        return out
    }
}
