import FieldTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

/// The cutting proxy against a tiny sink server on loopback (not the node).
@Suite struct CuttingProxyTests {
    static let megabyte = 1_048_576

    @Test func forwardsEverythingWithoutCuts() throws {
        let sink = try SinkServer()
        defer { sink.stop() }
        let proxy = try CuttingProxy(targetPort: sink.port)
        defer { proxy.stop() }

        let result = try TestClient.push(Self.megabyte, to: proxy.port)
        #expect(result.sendFailed == false)
        #expect(result.reply == "\(Self.megabyte)")
        #expect(sink.waitForCounts(1) == [Self.megabyte])
        #expect(proxy.bytesToTarget == Self.megabyte)
        #expect(proxy.bytesToClient == "\(Self.megabyte)\n".utf8.count)
        #expect(proxy.cuts == 0)
    }

    @Test func cutsAtTheCutPointThenForwardsLaterConnections() throws {
        let sink = try SinkServer()
        defer { sink.stop() }
        let proxy = try CuttingProxy(targetPort: sink.port, cutAfter: [300_000])
        defer { proxy.stop() }

        let cut = try TestClient.push(Self.megabyte, to: proxy.port)
        #expect(cut.reply.isEmpty, "a cut connection gets no reply, got \(cut.reply)")
        #expect(sink.waitForCounts(1) == [300_000])
        #expect(proxy.cuts == 1)
        #expect(proxy.bytesToTarget == 300_000)

        let whole = try TestClient.push(Self.megabyte, to: proxy.port)
        #expect(whole.sendFailed == false)
        #expect(whole.reply == "\(Self.megabyte)")
        #expect(sink.waitForCounts(2) == [300_000, Self.megabyte])
        #expect(proxy.cuts == 1)
        #expect(proxy.bytesToTarget == 300_000 + Self.megabyte)
    }

    @Test func seededCutsReplayFromTheSeed() throws {
        func run() throws -> [Int] {
            let sink = try SinkServer()
            defer { sink.stop() }
            let proxy = try CuttingProxy(targetPort: sink.port, seed: 42)
            defer { proxy.stop() }
            for connection in 1...3 {
                _ = try TestClient.push(4 * Self.megabyte, to: proxy.port)
                _ = sink.waitForCounts(connection)
            }
            #expect(proxy.cuts == 3)
            return sink.waitForCounts(3)
        }
        let first = try run()
        #expect(first.allSatisfy { (100 * 1024)...(3 * Self.megabyte) ~= $0 }, "\(first)")
        #expect(try run() == first)
    }

    @Test func stopReturnsPromptlyWithAnIdleClient() throws {
        let sink = try SinkServer()
        defer { sink.stop() }
        let proxy = try CuttingProxy(targetPort: sink.port)
        #expect(proxy.url == "http://127.0.0.1:\(proxy.port)")

        let client = try TestClient.dial(proxy.port)
        defer { _ = close(client) }
        #expect(sink.waitForAccepted(1))  // the proxy has the connection

        let started = Date()
        proxy.stop()
        #expect(Date().timeIntervalSince(started) < 2)

        // The idle client is let go: EOF or reset, not its 3 s receive timeout.
        var byte: UInt8 = 0
        let n = recv(client, &byte, 1, 0)
        let timedOut = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
        #expect(n <= 0 && !timedOut)
        #expect(Date().timeIntervalSince(started) < 2)
    }
}

// MARK: - Helpers

private enum TestSocket {
    #if canImport(Glibc)
    static let stream = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    static let sendFlags = Int32(MSG_NOSIGNAL)
    static let shutWR = Int32(SHUT_WR)
    static let shutRDWR = Int32(SHUT_RDWR)
    #else
    static let stream = SOCK_STREAM
    static let sendFlags: Int32 = 0
    static let shutWR = SHUT_WR
    static let shutRDWR = SHUT_RDWR
    #endif

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func make() throws -> Int32 {
        let fd = socket(AF_INET, stream, 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        #if !canImport(Glibc)
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        #endif
        // Keeps a broken test from hanging: blocking calls give up after 3 s.
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func withLoopback<T>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = sockaddr_in()
        #if !canImport(Glibc)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    static func sendAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var sent = 0
        while sent < bytes.count {
            let n = send(fd, base + sent, bytes.count - sent, sendFlags)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            sent += n
        }
        return true
    }
}

/// A client that sends a number of bytes, half-closes and reads the reply until EOF.
private enum TestClient {
    struct Result {
        var sendFailed: Bool
        var reply: String
    }

    static func dial(_ port: Int) throws -> Int32 {
        let fd = try TestSocket.make()
        let result = TestSocket.withLoopback(port: port) { connect(fd, $0, $1) }
        guard result == 0 else {
            _ = close(fd)
            throw TestSocket.Failure(description: "connect: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    static func push(_ count: Int, to port: Int) throws -> Result {
        let fd = try dial(port)
        defer { _ = close(fd) }
        let chunk = [UInt8](repeating: 0x5A, count: 64 * 1024)
        var left = count
        var sendFailed = false
        while left > 0 {
            let size = min(left, chunk.count)
            guard chunk.withUnsafeBytes({ TestSocket.sendAll(fd, UnsafeRawBufferPointer(rebasing: $0[0..<size])) })
            else {
                sendFailed = true
                break
            }
            left -= size
        }
        _ = shutdown(fd, TestSocket.shutWR)
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            reply += buffer[0..<n]
        }
        let text = String(decoding: reply, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Result(sendFailed: sendFailed, reply: text)
    }
}

/// Counts the bytes of each connection until EOF, replies with the count and closes.
private final class SinkServer: @unchecked Sendable {
    // @unchecked: `fd` and `port` are immutable; `counts`, `accepted` and `stopped` are
    // read and written under `lock` only.
    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var counts: [Int?] = []
    private var accepted = 0
    private var stopped = false

    init() throws {
        let fd = try TestSocket.make()
        let bound = TestSocket.withLoopback(port: 0) { bind(fd, $0, $1) }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, listen(fd, 16) == 0, named == 0 else {
            _ = close(fd)
            throw TestSocket.Failure(description: "sink: \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func stop() {
        lock.lock()
        defer { lock.unlock() }
        stopped = true
        _ = shutdown(fd, TestSocket.shutRDWR)
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func acceptLoop() {
        defer { _ = close(fd) }
        while !isStopped {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0, !isStopped else { continue }
            let connection = accept(fd, nil, nil)
            guard connection >= 0 else { continue }
            lock.lock()
            let index = counts.count
            counts.append(nil)
            accepted += 1
            lock.unlock()
            let thread = Thread { [self] in serve(connection, index: index) }
            thread.start()
        }
    }

    private func serve(_ connection: Int32, index: Int) {
        defer { _ = close(connection) }
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { continue }  // idle: keep waiting
            if n <= 0 { break }
            total += n
        }
        lock.lock()
        counts[index] = total
        lock.unlock()
        _ = Array("\(total)\n".utf8).withUnsafeBytes { TestSocket.sendAll(connection, $0) }
    }

    /// Waits (up to 3 s) until `n` connections have finished; returns their byte counts.
    func waitForCounts(_ n: Int) -> [Int] {
        let deadline = Date().addingTimeInterval(3)
        while true {
            lock.lock()
            let finished = counts.prefix(n).compactMap { $0 }
            lock.unlock()
            if finished.count >= n || Date() > deadline { return finished }
            usleep(2_000)
        }
    }

    /// Waits (up to 3 s) until `n` connections were accepted.
    func waitForAccepted(_ n: Int) -> Bool {
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline {
            lock.lock()
            let count = accepted
            lock.unlock()
            if count >= n { return true }
            usleep(2_000)
        }
        return false
    }
}
