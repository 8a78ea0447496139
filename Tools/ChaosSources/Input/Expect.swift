/// What a hostile request must get: said in words for the report, checked on the answer.
struct Expect: Sendable {
    let text: String
    let accepts: @Sendable (RawResponse) -> Bool

    init(_ text: String, _ accepts: @escaping @Sendable (RawResponse) -> Bool) {
        self.text = text
        // Whatever else: an answer, and a body exactly as long as it says.
        self.accepts = { r in !r.timedOut && !r.closedWithoutAnswer && r.lengthMismatch == nil && accepts(r) }
    }

    /// A refusal with `status` and an error frame carrying SPEC §5 `code`.
    static func refusal(_ status: Int, _ code: UInt64) -> Expect {
        Expect("\(status) \(ErrorFrame.name(code))") { $0.status == status && $0.errorCode == code }
    }

    /// A refusal with one of `statuses`, its error frame carrying a code SPEC §5 gives
    /// that status.
    static func refusal(_ statuses: Set<Int>) -> Expect {
        Expect(statuses.sorted().map(String.init).joined(separator: "/") + " with an error frame") { r in
            statuses.contains(r.status) && r.errorCode.map { ErrorFrame.codesByStatus[r.status]?.contains($0) == true } == true
        }
    }

    /// Any status in `statuses` whose body passes `body` (e.g. a 200 with a frame).
    static func answer(_ statuses: Set<Int>, _ text: String, body: @escaping @Sendable (RawResponse) -> Bool = { _ in true }) -> Expect {
        Expect(text) { statuses.contains($0.status) && body($0) }
    }

    /// For requests that are not HTTP at all: the node may close the connection, or
    /// answer a refusal in `statuses` with an error frame.
    static func closedOrRefused(_ statuses: Set<Int>) -> Expect {
        let refusal = Expect.refusal(statuses)
        return Expect(raw: "closed, or " + refusal.text) { r in (r.closedWithoutAnswer && !r.timedOut) || refusal.accepts(r) }
    }

    /// No implied checks: `accepts` is the whole rule.
    init(raw text: String, _ accepts: @escaping @Sendable (RawResponse) -> Bool) {
        self.text = text
        self.accepts = accepts
    }

    static func either(_ options: Expect...) -> Expect {
        Expect(options.map(\.text).joined(separator: " or ")) { r in options.contains { $0.accepts(r) } }
    }

    // MARK: Blob downloads

    /// 200 with exactly `blob`.
    static func whole(_ blob: [UInt8]) -> Expect {
        Expect("200 with the whole blob") { $0.status == 200 && $0.body == blob }
    }

    /// 206 from `from` to the end, with a matching Content-Range.
    static func tail(_ blob: [UInt8], from: Int) -> Expect {
        Expect("206 bytes \(from)-\(blob.count - 1)/\(blob.count)") { r in
            r.status == 206 && r.header("content-range") == "bytes \(from)-\(blob.count - 1)/\(blob.count)"
                && r.body == Array(blob[from...])
        }
    }

    /// Any 206 whose Content-Range is within the blob and whose body is those bytes.
    static func someRange(_ blob: [UInt8]) -> Expect {
        Expect("206 with a consistent Content-Range") { r in
            guard r.status == 206, let range = r.header("content-range"), range.hasPrefix("bytes ") else { return false }
            let parts = range.dropFirst(6).split(whereSeparator: { $0 == "-" || $0 == "/" }).compactMap { Int($0) }
            guard parts.count == 3, parts[2] == blob.count, 0 <= parts[0], parts[0] <= parts[1], parts[1] < blob.count else { return false }
            return r.body == Array(blob[parts[0]...parts[1]])
        }
    }

    /// What any Range header may get: the whole blob, a consistent part, or a refusal.
    static func anyRangeAnswer(_ blob: [UInt8]) -> Expect {
        .either(.whole(blob), .someRange(blob), .refusal([400, 416]))
    }
}

/// One hostile request and what it must get.
struct HostileCase: Sendable {
    let category: String
    let name: String
    let request: RawRequest
    let expect: Expect
    var timeout = 10
}
