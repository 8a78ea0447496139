import FieldTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 exchange over a plain socket, written byte by byte so that a hostile
/// request can be anything and a response is read exactly as it came (a Content-Length
/// that does not match the body is seen, not smoothed over).
struct RawResponse: Sendable {
    /// Nothing came back before the connection closed.
    var closedWithoutAnswer = false
    /// Nothing came back before the timeout, and the connection stayed open.
    var timedOut = false
    var status = 0
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    /// Body bytes announced by Content-Length, if any.
    var contentLength: Int?
    /// The body ended before Content-Length bytes, or more bytes than it came.
    var lengthMismatch: String?
    var seconds = 0.0

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// One line for a report.
    var summary: String {
        if timedOut { return String(format: "no answer in %.1f s", seconds) }
        if closedWithoutAnswer { return String(format: "the connection closed without an answer after %.1f s", seconds) }
        var s = "\(status)"
        if let code = errorCode { s += " code \(code)" } else if status >= 400 { s += " with no error frame" }
        if status < 300 {
            s += " (\(body.count) body bytes"
            if let range = header("content-range") { s += ", Content-Range: \(range)" }
            s += ")"
        }
        if let lengthMismatch { s += ", \(lengthMismatch)" }
        return s
    }

    /// The SPEC §5 code of the error frame in the body, if the body is one.
    var errorCode: UInt64? { ErrorFrame.code(body) }
}

/// A request: method, target and headers, and a body (sent with its Content-Length
/// unless `headers` sets one, or `raw` replaces the whole request).
struct RawRequest: Sendable {
    var method = "GET"
    var target = "/"
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    /// The exact bytes to send instead.
    var raw: [UInt8]?

    func bytes() -> [UInt8] {
        if let raw { return raw }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let setsLength = headers.contains { $0.0.lowercased() == "content-length" || $0.0.lowercased() == "transfer-encoding" }
        if !setsLength && (!body.isEmpty || method == "POST" || method == "PUT") { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }
}

enum RawHTTP {
    /// Sends `request` to 127.0.0.1:`port` and reads the answer until the node closes the
    /// connection (every request says `Connection: close`) or `timeout` seconds pass.
    static func exchange(port: Int, _ request: RawRequest, timeout: Int = 10) -> RawResponse {
        let started = Date()
        var response = RawResponse()
        guard let fd = LoopbackSocket.connectLoopback(port: port, timeout: timeout) else {
            response.closedWithoutAnswer = true
            return response
        }
        defer { _ = close(fd) }
        let bytes = request.bytes()
        // The node may answer (and close) before it has read a large body: a short send
        // is not an error here, the answer is what counts.
        _ = bytes.withUnsafeBytes { LoopbackSocket.sendAll(fd, $0.baseAddress!, $0.count) }
        let (received, timedOut) = readAll(fd, deadline: started.addingTimeInterval(Double(timeout)))
        response = parse(received, isHead: request.method == "HEAD")
        if received.isEmpty {
            response.timedOut = timedOut
            response.closedWithoutAnswer = !timedOut
        }
        response.seconds = Date().timeIntervalSince(started)
        return response
    }

    /// Reads until EOF, an error or the deadline; says whether the deadline ended it.
    static func readAll(_ fd: Int32, deadline: Date) -> ([UInt8], Bool) {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return (out, true) }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(min(left, 1) * 1000))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return (out, false) }
            out.append(contentsOf: buffer[0..<n])
        }
    }

    /// Parses one response; anything after its body is reported as a length mismatch.
    static func parse(_ bytes: [UInt8], isHead: Bool) -> RawResponse {
        var response = RawResponse()
        guard let end = headEnd(bytes) else {
            if !bytes.isEmpty { response.lengthMismatch = "an unparsable answer of \(bytes.count) bytes" }
            return response
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        response.status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            response.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let rest = Array(bytes[(end + 4)...])
        if response.header("transfer-encoding")?.lowercased() == "chunked" {
            response.body = dechunk(rest) ?? rest
            return response
        }
        response.contentLength = response.header("content-length").flatMap { Int($0) }
        if isHead {
            if !rest.isEmpty { response.lengthMismatch = "a HEAD answer with \(rest.count) body bytes" }
            return response
        }
        if let length = response.contentLength {
            response.body = Array(rest.prefix(length))
            if rest.count < length {
                response.lengthMismatch = "Content-Length \(length) but \(rest.count) body bytes"
            } else if rest.count > length {
                response.lengthMismatch = "Content-Length \(length) but \(rest.count - length) more bytes after the body"
            }
        } else {
            response.body = rest
        }
        return response
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard let lineEnd = (i..<(bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { return nil }
            let sizeText = String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            i = lineEnd + 2
            if size == 0 { return out }
            guard i + size <= bytes.count else { return nil }
            out.append(contentsOf: bytes[i..<(i + size)])
            i += size + 2
        }
        return out
    }
}
