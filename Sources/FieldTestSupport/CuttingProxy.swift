import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a `CuttingProxy` could not start.
package struct CuttingProxyError: Error, CustomStringConvertible {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { "CuttingProxy: \(message)" }
}

/// Forwards 127.0.0.1:<port> to 127.0.0.1:<targetPort>, counting bytes, and cuts connections on cue.
///
/// `cutAfter` lists cumulative client -> target byte counts (over all connections, in
/// order). When forwarding a chunk would make `bytesToTarget` reach or pass the next cut
/// point, exactly the bytes up to that point are forwarded, then both sides of that
/// connection are shut down and closed (the client side with a zero linger, so it sees a
/// reset or EOF mid-request), the cut is counted and the next cut point applies. Other and
/// later connections are forwarded normally until the next cut point.
///
/// With `seed` and an empty `cutAfter`, cut points are random instead: each one lies
/// 100 KiB to 3 MiB of client -> target bytes after the previous one, drawn from
/// `SeededRandom(seed:)`, so a schedule replays from its seed.
///
/// `counting: .toClient` counts the cut points in target -> client bytes instead (a cut
/// download); the client then sees the connection end mid-response.
///
/// `cutRange` changes how far apart random cut points lie (e.g. a few KiB, to cut small
/// sync exchanges too), and `faults` adds seeded delays and stalls before forwarded
/// chunks, in both directions (a slow, stalling link; see ``LinkFaults``).
///
/// `bytesPerSecond` (or `throttle(bytesPerSecond:)` at any time) paces each direction of
/// each connection to that rate, in small pieces, with small socket buffers on the
/// client's side, so the client's own buffers do not swallow a whole upload at once (a
/// weak field link). `blackHole()` makes the link go silent: nothing more is forwarded
/// either way and nothing is closed (no FIN, no RST), as when a phone leaves coverage;
/// connections made meanwhile are accepted and go silent too. `restore()` ends it.
///
/// Plain POSIX sockets on loopback only, one accept thread and two pump threads per
/// connection; bytes are forwarded as they arrive through 64 KiB buffers.
package final class CuttingProxy: @unchecked Sendable {
    /// Which way the cut points count bytes: uploads (client -> target) or downloads.
    package enum Direction: Sendable { case toTarget, toClient }

    // @unchecked: `port`, `url` and `core` are immutable; all mutable state lives in
    // `Core` behind its lock.
    package let port: Int
    package let url: String
    private let core: Core

    package init(
        targetPort: Int, cutAfter: [Int] = [], seed: UInt64? = nil, counting direction: Direction = .toTarget,
        cutRange: ClosedRange<Int>? = nil, faults: LinkFaults? = nil, bytesPerSecond: Int? = nil
    ) throws {
        guard (1...65_535).contains(targetPort) else {
            throw CuttingProxyError("target port \(targetPort) is out of range")
        }
        let fd = try LoopbackSocket.make()
        do {
            if bytesPerSecond != nil { Core.smallBuffers(fd) }
            try LoopbackSocket.bindLoopback(fd, port: 0)
            guard listen(fd, 64) == 0 else { throw CuttingProxyError("listen: \(LoopbackSocket.lastError())") }
            port = try LoopbackSocket.localPort(fd)
        } catch {
            _ = close(fd)
            throw error
        }
        url = "http://127.0.0.1:\(port)"
        core = Core(
            listenFD: fd, targetPort: targetPort, cutAfter: cutAfter, seed: seed, direction: direction,
            cutRange: cutRange ?? Core.randomCutRange, faults: faults, bytesPerSecond: bytesPerSecond)
        let core = core
        let thread = Thread { core.acceptLoop() }
        thread.name = "CuttingProxy.accept.\(port)"
        thread.start()
    }

    deinit { core.stop() }

    /// Total bytes forwarded client -> target so far, over all connections.
    package var bytesToTarget: Int { core.locked { $0.bytesToTarget } }
    /// Total bytes forwarded target -> client so far, over all connections.
    package var bytesToClient: Int { core.locked { $0.bytesToClient } }
    /// How many connections were cut.
    package var cuts: Int { core.locked { $0.cuts } }
    /// How many chunks were delayed, and stalled, by `faults`.
    package var delays: Int { core.locked { $0.delays } }
    package var stalls: Int { core.locked { $0.stalls } }

    /// Paces every connection, each way, to `bytesPerSecond` (nil: as fast as it goes).
    package func throttle(bytesPerSecond: Int?) { core.locked { $0.bytesPerSecond = bytesPerSecond } }

    /// The link goes silent: nothing is forwarded and nothing closed, until `restore()`.
    package func blackHole() { core.locked { $0.blackHole = true } }

    /// Ends `blackHole()`: what was held is forwarded.
    package func restore() { core.locked { $0.blackHole = false } }

    /// Stops listening and shuts every connection down; returns at once, the threads
    /// close their sockets and exit on their own. Also done in deinit.
    package func stop() { core.stop() }
}

/// Seeded delays and stalls a ``CuttingProxy`` puts before forwarded chunks.
package struct LinkFaults: Sendable {
    package var seed: UInt64
    /// Chance per chunk of a short delay, and its range in milliseconds.
    package var delayChance: Double
    package var delayMillis: ClosedRange<Int>
    /// Chance per chunk of a stall, and its range in milliseconds.
    package var stallChance: Double
    package var stallMillis: ClosedRange<Int>

    package init(
        seed: UInt64, delayChance: Double = 0.1, delayMillis: ClosedRange<Int> = 1...50, stallChance: Double = 0.005,
        stallMillis: ClosedRange<Int> = 1_000...5_000
    ) {
        self.seed = seed
        self.delayChance = delayChance
        self.delayMillis = delayMillis
        self.stallChance = stallChance
        self.stallMillis = stallMillis
    }
}

// MARK: - Shared state

/// One proxied connection: the accepted client socket and the socket to the target.
private final class Connection: @unchecked Sendable {
    // @unchecked: the descriptors are immutable; `running` and `wasCut` are only touched
    // under `Core`'s lock. The descriptors are closed only by the last pump to finish,
    // after the connection left `Core.connections`, so no one shuts down a closed one.
    let id: Int
    let client: Int32
    let target: Int32
    var running = 2
    var wasCut = false

    init(id: Int, client: Int32, target: Int32) {
        self.id = id
        self.client = client
        self.target = target
    }
}

private final class Core: @unchecked Sendable {
    // @unchecked: every mutable field is in `state`, read and written under `lock` only.
    struct State {
        var stopped = false
        var bytesToTarget = 0
        var bytesToClient = 0
        var cuts = 0
        var connections: [Int: Connection] = [:]
        var nextID = 0
        /// Cut points still to come (fixed schedule), next first.
        var schedule: [Int]
        var rng: SeededRandom?
        var nextCut: Int?
        var faultRNG: SeededRandom?
        var delays = 0
        var stalls = 0
        var bytesPerSecond: Int?
        var blackHole = false
    }

    let listenFD: Int32
    let targetPort: Int
    let direction: CuttingProxy.Direction
    let cutRange: ClosedRange<Int>
    let faults: LinkFaults?
    private let lock = NSLock()
    private var state: State

    static let bufferSize = 64 * 1024
    /// Socket buffers of a throttled proxy's client side: a few KB, like a weak link's.
    static let throttledBuffer: Int32 = 4 * 1024

    /// Sets small receive and send buffers on `fd` (accepted sockets inherit them).
    static func smallBuffers(_ fd: Int32) {
        var size = throttledBuffer
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Waits while the link is a black hole; false once the proxy stopped.
    private func waitWhileSilent() -> Bool {
        while true {
            let (silent, stopped) = locked { ($0.blackHole, $0.stopped) }
            if stopped { return false }
            if !silent { return true }
            usleep(50_000)
        }
    }
    static let randomCutRange = (100 * 1024)...(3 * 1024 * 1024)

    init(
        listenFD: Int32, targetPort: Int, cutAfter: [Int], seed: UInt64?, direction: CuttingProxy.Direction,
        cutRange: ClosedRange<Int>, faults: LinkFaults?, bytesPerSecond: Int?
    ) {
        self.listenFD = listenFD
        self.targetPort = targetPort
        self.direction = direction
        self.cutRange = cutRange
        self.faults = faults
        var state = State(schedule: cutAfter)
        if !cutAfter.isEmpty {
            state.nextCut = state.schedule.removeFirst()
        } else if let seed {
            var rng = SeededRandom(seed: seed)
            state.nextCut = Int.random(in: cutRange, using: &rng)
            state.rng = rng
        }
        state.faultRNG = faults.map { SeededRandom(seed: $0.seed) }
        state.bytesPerSecond = bytesPerSecond
        self.state = state
    }

    func locked<T>(_ body: (inout State) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }

    func stop() {
        locked { state in
            guard !state.stopped else { return }
            state.stopped = true
            // Wakes the accept thread (it closes the listening socket itself) and every
            // pump (the last one of each connection closes its sockets).
            _ = shutdown(listenFD, LoopbackSocket.shutRDWR)
            for connection in state.connections.values {
                _ = shutdown(connection.client, LoopbackSocket.shutRDWR)
                _ = shutdown(connection.target, LoopbackSocket.shutRDWR)
            }
        }
    }

    // MARK: Accepting

    func acceptLoop() {
        defer { _ = close(listenFD) }
        while !locked({ $0.stopped }) {
            // Poll with a timeout as well, in case shutdown does not wake accept here.
            var pfd = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 200)
            if locked({ $0.stopped }) { break }
            if ready <= 0 { continue }
            let client = LoopbackSocket.accept(listenFD)
            if client < 0 {
                if errno != EINTR && errno != EAGAIN && errno != ECONNABORTED {
                    usleep(10_000)  // e.g. out of descriptors: back off, stop() still works
                }
                continue
            }
            LoopbackSocket.noSigPipe(client)
            guard let target = LoopbackSocket.connectLoopback(port: targetPort) else {
                LoopbackSocket.abort(client)
                continue
            }
            let connection: Connection? = locked { state in
                guard !state.stopped else { return nil }
                state.nextID += 1
                let connection = Connection(id: state.nextID, client: client, target: target)
                state.connections[connection.id] = connection
                return connection
            }
            guard let connection else {
                LoopbackSocket.abort(client)
                _ = close(target)
                break
            }
            for toTarget in [true, false] {
                let thread = Thread { [self] in pump(connection, toTarget: toTarget) }
                thread.name = "CuttingProxy.\(toTarget ? "up" : "down").\(connection.id)"
                thread.start()
            }
        }
    }

    // MARK: Pumping

    /// Copies one direction of `connection` until EOF, an error, a cut or stop.
    private func pump(_ connection: Connection, toTarget: Bool) {
        let from = toTarget ? connection.client : connection.target
        let to = toTarget ? connection.target : connection.client
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var endedCleanly = false
        while true {
            // Silent: read nothing, so the sender's buffers fill as on a dead link.
            guard waitWhileSilent() else { break }
            let rate = locked { $0.bytesPerSecond }
            // Throttled: small pieces (an eighth of a second each), paced below.
            let want = rate.map { Swift.max(256, Swift.min(Self.bufferSize, $0 / 8)) } ?? Self.bufferSize
            let received = recv(from, buffer, want, 0)
            if received < 0 {
                if errno == EINTR { continue }
                // A silent link passes no reset on either: held until `restore()`.
                _ = waitWhileSilent()
                break
            }
            if received == 0 {
                // Nor a close (a recv that was waiting when the link went silent returns
                // when the other side closes, e.g. the node's idle timeout): held too.
                guard waitWhileSilent() else { break }
                endedCleanly = true
                break
            }
            if let pause = faultPause() { usleep(UInt32(pause) * 1000) }
            if let rate, rate > 0 { usleep(UInt32(Swift.min(10_000_000, received * 1_000_000 / rate))) }
            // Bytes read just before the link went silent are held, not forwarded.
            guard waitWhileSilent() else { break }
            let counted: WritableKeyPath<State, Int> = toTarget ? \.bytesToTarget : \.bytesToClient
            if toTarget == (direction == .toTarget) {
                let (allowed, cut) = reserve(received, for: connection, counted)
                let sent = LoopbackSocket.sendAll(to, buffer, allowed)
                if sent < allowed {
                    locked { $0[keyPath: counted] -= allowed - sent }
                    break
                }
                if cut {
                    // Uploads: abrupt, the client gets a reset on close and the target an
                    // EOF after exactly the bytes up to the cut point. Downloads: the client
                    // gets an EOF after exactly those bytes (a reset would discard what
                    // it had not read yet, so the test could not count what it kept).
                    if toTarget { LoopbackSocket.zeroLinger(connection.client) }
                    break
                }
            } else {
                let sent = LoopbackSocket.sendAll(to, buffer, received)
                locked { $0[keyPath: counted] += sent }
                if sent < received { break }
            }
        }
        finish(connection, to: to, endedCleanly: endedCleanly)
    }

    /// Claims up to `count` bytes of the counted direction; says whether this chunk
    /// reaches the next cut point (then `allowed` stops exactly there and the connection
    /// is cut).
    private func reserve(_ count: Int, for connection: Connection, _ counted: WritableKeyPath<State, Int>) -> (allowed: Int, cut: Bool) {
        locked { state in
            guard let next = state.nextCut, state[keyPath: counted] + count >= next else {
                state[keyPath: counted] += count
                return (count, false)
            }
            let allowed = max(0, next - state[keyPath: counted])
            state[keyPath: counted] += allowed
            state.cuts += 1
            connection.wasCut = true
            if !state.schedule.isEmpty {
                state.nextCut = state.schedule.removeFirst()
            } else if var rng = state.rng {
                state.nextCut = next + Int.random(in: cutRange, using: &rng)
                state.rng = rng
            } else {
                state.nextCut = nil
            }
            return (allowed, true)
        }
    }

    /// With `faults`: how long to hold the next chunk (milliseconds), if at all.
    private func faultPause() -> Int? {
        guard let faults else { return nil }
        return locked { state in
            guard var rng = state.faultRNG else { return nil }
            defer { state.faultRNG = rng }
            let roll = Double.random(in: 0..<1, using: &rng)
            if roll < faults.stallChance {
                state.stalls += 1
                return Int.random(in: faults.stallMillis, using: &rng)
            }
            if roll < faults.stallChance + faults.delayChance {
                state.delays += 1
                return Int.random(in: faults.delayMillis, using: &rng)
            }
            return nil
        }
    }

    /// Ends one direction; the last pump of a connection closes both sockets.
    private func finish(_ connection: Connection, to: Int32, endedCleanly: Bool) {
        let wasCut = locked { _ in connection.wasCut }
        if endedCleanly && !wasCut {
            _ = shutdown(to, LoopbackSocket.shutWR)  // pass the half-close on; the other way may go on
        } else {
            _ = shutdown(connection.client, LoopbackSocket.shutRDWR)
            _ = shutdown(connection.target, LoopbackSocket.shutRDWR)
        }
        let last = locked { state in
            connection.running -= 1
            guard connection.running == 0 else { return false }
            state.connections[connection.id] = nil
            return true
        }
        if last {
            _ = close(connection.client)
            _ = close(connection.target)
        }
    }
}
