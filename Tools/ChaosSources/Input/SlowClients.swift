import FieldTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Clients that hold a connection without finishing a request: the node must close it
/// within its header timeout.
enum SlowClients {
    struct Outcome: Sendable {
        let name: String
        let closedAfter: Double?
        let bytesSent: Int
    }

    /// Sends `head` one byte per second (nothing at all if empty) until the node closes
    /// the connection or `limit` seconds pass.
    static func drip(_ name: String, port: Int, burst: String, head: String, limit: Double) -> Outcome {
        let started = Date()
        guard let fd = LoopbackSocket.connectLoopback(port: port, timeout: 2) else { return Outcome(name: name, closedAfter: 0, bytesSent: 0) }
        defer { _ = close(fd) }
        let first = Array(burst.utf8)
        _ = first.withUnsafeBytes { LoopbackSocket.sendAll(fd, $0.baseAddress!, $0.count) }
        let bytes = Array(head.utf8)
        var sent = 0
        while Date().timeIntervalSince(started) < limit {
            if sent < bytes.count {
                let ok = bytes.withUnsafeBytes { LoopbackSocket.sendAll(fd, $0.baseAddress! + sent, 1) } == 1
                if !ok { return Outcome(name: name, closedAfter: Date().timeIntervalSince(started), bytesSent: sent) }
                sent += 1
            }
            // Wait a second, watching for the node closing (EOF, reset, or an answer then EOF).
            let until = Date().addingTimeInterval(1)
            while Date() < until {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&pfd, 1, 100) > 0 {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
                    if n <= 0 { return Outcome(name: name, closedAfter: Date().timeIntervalSince(started), bytesSent: sent) }
                }
            }
        }
        return Outcome(name: name, closedAfter: nil, bytesSent: sent)
    }

    /// The slow clients, run at once on their own threads; `done` gets their outcomes.
    static func start(port: Int, limit: Double, done: @escaping @Sendable ([Outcome]) -> Void) {
        let box = OutcomeBox()
        let group = DispatchGroup()
        let cases = [
            ("a request head at one byte per second", "", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + String(repeating: "a", count: 600)),
            ("an idle connection that sends nothing", "", ""),
            ("a request line and then nothing", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", ""),
        ]
        for (name, burst, head) in cases {
            group.enter()
            Thread {
                box.add(drip(name, port: port, burst: burst, head: head, limit: limit))
                group.leave()
            }.start()
        }
        Thread {
            group.wait()
            done(box.all)
        }.start()
    }
}

final class OutcomeBox: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var items: [SlowClients.Outcome] = []
    func add(_ o: SlowClients.Outcome) { lock.withLock { items.append(o) } }
    var all: [SlowClients.Outcome] { lock.withLock { items } }
}
