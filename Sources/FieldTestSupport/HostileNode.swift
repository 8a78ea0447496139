import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A fake node on 127.0.0.1 that answers every request with whatever `answer` returns:
/// for testing what a device does with a confused or hostile node. One request per
/// connection (`Connection: close`), each on its own thread; stops on `stop()`.
package final class HostileNode: @unchecked Sendable {
    // @unchecked: `listener` and `port` are set once in init; `requests` is guarded by `lock`.
    package typealias Answer = @Sendable (_ method: String, _ path: String, _ body: [UInt8]) -> (status: Int, body: [UInt8])

    package let port: Int
    private let listener: Int32
    private let answer: Answer
    private let lock = NSLock()
    private var paths: [String] = []

    package var url: String { "http://127.0.0.1:\(port)" }
    /// `METHOD path` of every request answered so far.
    package var requests: [String] { lock.withLock { paths } }

    package init(answer: @escaping Answer) throws {
        self.answer = answer
        listener = try LoopbackSocket.make()
        var on: Int32 = 1
        _ = setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        try LoopbackSocket.bindLoopback(listener, port: 0)
        guard listen(listener, 16) == 0 else { throw CuttingProxyError("listen: \(LoopbackSocket.lastError())") }
        port = try LoopbackSocket.localPort(listener)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    package func stop() { _ = shutdown(listener, Int32(SHUT_RDWR)) }

    private func acceptLoop() {
        while true {
            let fd = LoopbackSocket.accept(listener)
            if fd < 0 { return }
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { _ = close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var headEnd: Int?
        var contentLength = 0
        while true {
            if let end = headEnd, data.count >= end + contentLength { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            data += buffer[0..<n]
            if headEnd == nil, let range = data.firstRange(of: Array("\r\n\r\n".utf8)) {
                headEnd = range.upperBound
                let head = String(decoding: data[0..<range.lowerBound], as: UTF8.self).lowercased()
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    contentLength = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
        }
        guard let end = headEnd else { return }
        let requestLine = String(decoding: data.prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
        let method = requestLine.first.map(String.init) ?? ""
        let path = requestLine.dropFirst().first.map(String.init) ?? ""
        lock.withLock { paths.append("\(method) \(path)") }
        let (status, body) = answer(method, path, Array(data[end..<min(data.count, end + contentLength)]))
        let head = "HTTP/1.1 \(status) X\r\nContent-Type: application/vnd.fieldsync.frame\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + body
        _ = bytes.withUnsafeBytes { LoopbackSocket.sendAll(fd, $0.baseAddress!, $0.count) }
    }
}
