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

    @Test func forwardsEverythingWithoutCuts() async throws {
        try await onOwnThread {
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
    }

    @Test func cutsAtTheCutPointThenForwardsLaterConnections() async throws {
        try await onOwnThread {
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
    }

    @Test func seededCutsReplayFromTheSeed() async throws {
        try await onOwnThread {
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
    }

    @Test func stopReturnsPromptlyWithAnIdleClient() async throws {
        try await onOwnThread {
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
}

// MARK: - Helpers

/// A client that sends a number of bytes, half-closes and reads the reply until EOF.
private enum TestClient {
    struct Result {
        var sendFailed: Bool
        var reply: String
    }

    static func dial(_ port: Int) throws -> Int32 {
        // Blocking calls give up after 3 s, so a broken test fails instead of hanging.
        guard let fd = LoopbackSocket.connectLoopback(port: port, timeout: 3) else {
            throw CuttingProxyError("connect to 127.0.0.1:\(port): \(LoopbackSocket.lastError())")
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
            guard chunk.withUnsafeBytes({ LoopbackSocket.sendAll(fd, $0.baseAddress!, size) == size })
            else {
                sendFailed = true
                break
            }
            left -= size
        }
        _ = shutdown(fd, LoopbackSocket.shutWR)
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
        let fd = try LoopbackSocket.make(timeout: 3)
        do {
            try LoopbackSocket.bindLoopback(fd, port: 0)
            guard listen(fd, 16) == 0 else { throw CuttingProxyError("listen: \(LoopbackSocket.lastError())") }
            port = try LoopbackSocket.localPort(fd)
        } catch {
            _ = close(fd)
            throw error
        }
        self.fd = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func stop() {
        lock.lock()
        defer { lock.unlock() }
        stopped = true
        _ = shutdown(fd, LoopbackSocket.shutRDWR)
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
        let reply = Array("\(total)\n".utf8)
        _ = reply.withUnsafeBytes { LoopbackSocket.sendAll(connection, $0.baseAddress!, reply.count) }
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
