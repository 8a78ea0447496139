import FieldWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection to the node, written byte for byte: what a hostile client sends
/// (bad heads, slow heads, stalled bodies) and what it reads back, with keep-alive kept,
/// so a wrong Content-Length shows up as the next answer failing to parse.
final class RawHTTP {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw RawHTTPError.io("connect: errno \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// The node's port, from its URL.
    static func port(of url: String) -> Int { Int(url.split(separator: ":").last ?? "") ?? 0 }

    /// Sends `bytes`; false once the node has closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// A request with the node's usual headers; `head` sends no body back, so its answer's
    /// body is not read.
    func request(_ method: String, _ path: String, token: String?, headers: [String: String] = [:], body: [UInt8] = []) throws -> Answer {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
        if let token { text += "Authorization: Bearer \(token.trimmingCharacters(in: .whitespacesAndNewlines))\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        guard send(Array((text + "\r\n").utf8) + body) else { throw RawHTTPError.io("the node closed the connection") }
        return try readAnswer(bodyless: method == "HEAD")
    }

    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]

        /// The error frame's message, if the body is one.
        var error: ErrorMessage? {
            guard headers["content-type"] == "application/vnd.fieldsync.frame", let messages = try? Frame.decode(body),
                case .error(let e)? = messages.first
            else { return nil }
            return e
        }
    }

    private var buffer: [UInt8] = []

    /// Reads one answer: its head, then as many body bytes as its Content-Length says.
    func readAnswer(bodyless: Bool = false) throws -> Answer {
        let end = Array("\r\n\r\n".utf8)
        while true {
            if let i = buffer.indices.dropLast(3).first(where: { Array(buffer[$0..<$0 + 4]) == end }) {
                let head = String(decoding: buffer[..<i], as: UTF8.self)
                buffer.removeFirst(i + 4)
                let lines = head.components(separatedBy: "\r\n")
                let parts = lines[0].split(separator: " ")
                guard parts.count >= 2, let status = Int(parts[1]) else { throw RawHTTPError.garbled(lines[0]) }
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let length = bodyless ? 0 : Int(headers["content-length"] ?? "0") ?? 0
                while buffer.count < length { try fill() }
                let body = Array(buffer.prefix(length))
                buffer.removeFirst(length)
                return Answer(status: status, headers: headers, body: body)
            }
            try fill()
        }
    }

    /// True if the node closes the connection (a read sees its end) within `seconds`.
    func closed(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&ready, 1, wait) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return true }
            if n > 0 { buffer += chunk.prefix(n) }
        }
        return false
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw RawHTTPError.io(n == 0 ? "the node closed the connection" : "recv: errno \(errno)") }
        buffer += chunk.prefix(n)
    }
}

enum RawHTTPError: Error {
    case io(String)
    case garbled(String)
}
