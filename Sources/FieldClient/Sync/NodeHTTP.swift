import AsyncHTTPClient
import FieldStore
import FieldWire
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Requests to the node with the replica's token; network failures become one clear
/// `nodeUnreachable` (or `nodeUntrusted`) error, and a request on which no byte moves for
/// the `StallRule`'s allowance a `linkStalled` one. No request has a total deadline: a
/// slow link that keeps moving bytes is never cut (`StallWatch`).
struct NodeHTTP: Sendable {
    let link: NodeLink
    var rule = StallRule()

    init(link: NodeLink) { self.link = link }

    /// Longer than any request is allowed to stall: the deadline AsyncHTTPClient is given,
    /// as `StallWatch` decides when a request has failed.
    static let noDeadline: TimeAmount = .hours(24)
    /// Body pieces of requests sent from memory: each one handed over is progress.
    static let piece = 16 << 10

    struct Reply: Sendable {
        let status: Int
        let body: [UInt8]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
        /// The node's one-line message: from its error frame (SPEC §5), or from a node or
        /// proxy that answers `{"error": {"message": …}}` or plain text.
        var message: String {
            if let frame = try? Frame.decode(body), case .error(let error)? = frame.first { return error.message }
            if let error = json["error"] as? [String: Any], let m = error["message"] as? String { return m }
            return String(decoding: body.prefix(300), as: UTF8.self)
        }
    }

    /// GETs `path` into `sink` as it arrives (so a broken download keeps what came),
    /// from what the sink holds; `received` gets the bytes written so far. It fails when
    /// no byte arrives for the rule's idle time, never for being slow.
    func download(
        _ path: String, to sink: BlobSink, received: @escaping @Sendable (UInt64) -> Void
    ) async throws {
        var headers = [("Authorization", "Bearer \(link.token)")]
        let from = sink.written
        if from > 0 { headers.append(("Range", "bytes=\(from)-")) }
        let watch = StallWatch(rule: rule, rate: nil)
        let boxed = SinkBox(sink)
        do {
            let answer: BlobGet.Answer = try await watch.run { [link, headers] in
                let moved: @Sendable (UInt64) -> Void = { n in
                    watch.moved()
                    received(n)
                }
                if link.url.hasPrefix("http:"), let url = URL(string: link.url + path) {
                    return try await BlobGet(url: url, headers: headers).run(into: boxed.sink, deadline: Self.noDeadline, received: moved)
                }
                return try await downloadOverTLS(path, headers: headers, to: boxed.sink, received: moved)
            }
            // 416 to a device that holds bytes: it holds every byte the node has (a fetch cut
            // after its last byte); verifying them says whether they are the blob.
            if answer.status == 416, from > 0 {
                try sink.sync()
                return
            }
            guard answer.status == 200 || answer.status == 206 else {
                let message = Reply(status: answer.status, body: answer.message).message
                throw ClientError(answer.status == 404 ? .blobNotOnNode : .nodeRefused, message)
            }
            guard answer.status == 206 || from == 0 else {
                throw ClientError(.badResponse, "the node sent the whole blob when asked for its rest: fetch again")
            }
            try sink.sync()
        } catch let error as ClientError {
            try? sink.sync()
            throw error
        } catch {
            try? sink.sync()
            throw Self.failure(link, error, then: "what arrived is kept; fetch again to continue")
        }
    }

    /// The download through AsyncHTTPClient (which speaks TLS), body pieces written as
    /// they arrive.
    private func downloadOverTLS(
        _ path: String, headers: [(String, String)], to sink: BlobSink, received: @Sendable (UInt64) -> Void
    ) async throws -> BlobGet.Answer {
        var request = HTTPClientRequest(url: link.url + path)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let from = sink.written
        let response = try await NodeClients.client(for: link).execute(request, timeout: Self.noDeadline)
        let status = Int(response.status.code)
        guard status == 200 || status == 206 else {
            let body = try await response.body.collect(upTo: BlobGet.messageLimit)
            return BlobGet.Answer(status: status, message: [UInt8](buffer: body))
        }
        for try await chunk in response.body {
            try chunk.withUnsafeReadableBytes { try sink.write($0) }
            received(sink.written - from)
        }
        return BlobGet.Answer(status: status, message: [])
    }

    /// Sends a request. With no connection it fails at once (`NodeClients`); once
    /// connected, only when no byte moves for the rule's allowance (`StallWatch`).
    func send(
        _ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = [],
        expectBytes: Int = 8 << 20
    ) async throws -> Reply {
        let watch = StallWatch(rule: rule, rate: nil)
        let pieces = body.map { bytes in
            MemoryPieces(bytes: bytes, piece: Self.piece) { handed in watch.moved(handedOver: handed) }
        }
        return try await send(
            method, path, body: pieces.map { .stream($0, length: .known(Int64($0.bytes.count))) }, headers: headers,
            expectBytes: expectBytes, watch: watch)
    }

    /// Sends a request whose body is streamed; its pieces tell `watch` they moved.
    func send(
        _ method: HTTPMethod, _ path: String, body: HTTPClientRequest.Body?, headers: [(String, String)] = [],
        expectBytes: Int = 8 << 20, watch: StallWatch
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: link.url + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(link.token)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = body
        return try await answer {
            try await watch.run { [link, request] in
                let response = try await NodeClients.client(for: link).execute(request, timeout: Self.noDeadline)
                watch.moved()
                var collected: [UInt8] = []
                for try await piece in response.body {
                    watch.moved()
                    guard collected.count + piece.readableBytes <= expectBytes else {
                        throw ClientError(.badResponse, "the node at \(link.url) answered with more than \(expectBytes) bytes: is it a FieldSync node?")
                    }
                    collected += piece.readableBytesView
                }
                return (response.status.code, collected)
            }
        }
    }

    /// PUTs `length` bytes of the open file `fd` from `offset`; `rate` is the link's
    /// measured rate (nil before one was measured), for the stall allowance. The bytes go
    /// in pieces (`FileChunks`), each handed over a sign of progress, and `sent` gets the
    /// file position after each. A chunk of 8 MB or more (a fast link: ten seconds of its
    /// rate) over plain HTTP goes by sendfile(2) instead, from the page cache to the socket
    /// without a copy through this process (a 50 MB upload to a loopback node: ~95 ms →
    /// ~70 ms); it reports its progress, and is allowed its time, as one piece.
    func put(
        _ path: String, file fd: Int32, offset: UInt64, length: UInt64, rate: Double?, sent: @escaping @Sendable (UInt64) -> Void
    ) async throws -> Reply {
        guard link.url.hasPrefix("http:"), length >= Self.sendfileFrom else {
            let watch = StallWatch(rule: rule, rate: rate)
            let chunks = FileChunks(fd: fd, offset: offset, length: length) { position in
                watch.moved(handedOver: position - offset)
                sent(position)
            }
            return try await send(.PUT, path, body: chunks.body, watch: watch)
        }
        var request = try HTTPClient.Request(url: link.url + path, method: .PUT)
        request.headers.add(name: "Authorization", value: "Bearer \(link.token)")
        // NIO sends the region after the body callback's future completes, so the
        // descriptor (a duplicate: the caller keeps `fd`) is closed only once the answer
        // is in, never from the callback.
        let copy = dup(fd)
        guard copy >= 0 else { throw ClientError(.badArgument, "cannot read a blob file to upload it: errno \(errno)") }
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
        defer { try? handle.close() }
        request.body = .stream(contentLength: Int64(length)) { writer in
            writer.write(.fileRegion(FileRegion(fileHandle: handle, readerIndex: Int(offset), endIndex: Int(offset + length))))
        }
        // The whole region may be unconfirmed until the answer: allow for all of it.
        var whole = rule
        whole.buffered = length
        let watch = StallWatch(rule: whole, rate: rate)
        watch.moved(handedOver: length)
        let client = try NodeClients.client(for: link)
        let reply = try await answer { [request] in
            try await watch.run {
                let task = client.execute(request: request, delegate: ResponseAccumulator(request: request), deadline: .now() + Self.noDeadline)
                let response = try await withTaskCancellationHandler {
                    try await task.futureResult.get()
                } onCancel: {
                    task.cancel()
                }
                return (response.status.code, response.body.map { [UInt8](buffer: $0) } ?? [])
            }
        }
        if reply.status == 200 { sent(offset + length) }
        return reply
    }
    static let sendfileFrom: UInt64 = 8 << 20

    /// Runs one exchange; a 401 and network failures become the errors a person acts on.
    private func answer(_ exchange: () async throws -> (UInt, [UInt8])) async throws -> Reply {
        do {
            let (status, body) = try await exchange()
            if status == 401 {
                throw ClientError(.nodeRefused, "the node at \(link.url) did not accept the token: ask dispatch for a new one and `fieldsync login` again")
            }
            return Reply(status: Int(status), body: body)
        } catch let error as ClientError {
            throw error
        } catch {
            throw Self.failure(link, error, then: "sync again when you have signal")
        }
    }

    /// The error for a request that failed on the network, in the engineer's words: a
    /// stalled link, no connection, a connection that broke, or an untrusted node.
    static func failure(_ link: NodeLink, _ error: any Error, then: String) -> ClientError {
        if let stalled = error as? StallWatch.Stalled {
            return ClientError(
                .linkStalled,
                "the link to the node at \(link.url) is too slow or stalled: nothing moved for \(Int(stalled.seconds.rounded())) s; your work is safe in this replica; \(then)")
        }
        return unreachable(link, error, then: then)
    }

    /// The error for a request that got no answer: no signal, or a node this device may
    /// not trust (waiting for signal would not help with that).
    static func unreachable(_ link: NodeLink, _ error: any Error, then: String) -> ClientError {
        // Only a failed verification is about trust: a handshake cut by the link is no signal.
        let fix: String?
        if (error as? NIOSSLExtraError) == .failedToValidateHostname {
            fix = "its certificate is not for this address: log in with the address the certificate names"
        } else if let tls = error as? NIOSSLError, "\(tls)".contains("CERTIFICATE_VERIFY_FAILED") {
            // BoringSSL's reason, by name: NIOSSL exposes its errors' codes only as text.
            fix = link.trustedCA == nil
                ? "if the node uses its own CA, run `fieldsync login` again with --ca CA.pem"
                : "the CA given at login (--ca) did not sign it: ask whoever runs the node for its CA certificate"
        } else {
            fix = nil
        }
        if let fix {
            return ClientError(
                .nodeUntrusted, "the node at \(link.url) presented a certificate this device does not trust (\(error)): \(fix); your work is safe in this replica")
        }
        // In words, never the HTTP client's type names: none of them tells an engineer more.
        if Self.connected(error) {
            return ClientError(.nodeUnreachable, "the connection to the node at \(link.url) broke: your work is safe in this replica; \(then)")
        }
        return ClientError(.nodeUnreachable, "cannot reach the node at \(link.url) (no connection): your work is safe in this replica; \(then)")
    }

    /// Whether the failure came after a connection was made (it broke, or the node closed
    /// it), rather than no connection at all.
    static func connected(_ error: any Error) -> Bool {
        switch error {
        case let e as HTTPClientError:
            return [.remoteConnectionClosed, .readTimeout, .writeTimeout, .bodyLengthMismatch, .cancelled].contains(e)
        case let e as ChannelError: return e == .eof || e == .ioOnClosedChannel || e == .outputClosed
        case let e as IOError: return [ECONNRESET, EPIPE].contains(e.errnoCode)
        case is NIOSSLError: return "\(error)".contains("uncleanShutdown")
        default: return false
        }
    }
}

/// Watches one request for a stalled link (`StallRule`): the request's body pieces and
/// answer pieces call `moved` as they go; `run` fails the request with `Stalled` once the
/// allowance passes without one, cancelling it (the HTTP client then closes the
/// connection). Thread-safety: its state is behind a `Mutex`; the HTTP client's threads
/// call `moved`, the watching task reads.
final class StallWatch: Sendable {
    /// No byte moved for `seconds`: the link is too slow or stalled.
    struct Stalled: Error {
        let seconds: Double
    }

    struct State {
        var last: ContinuousClock.Instant = .now
        var unconfirmed: UInt64 = 0
    }

    let rule: StallRule
    let rate: Double?
    private let state = Mutex(State())

    init(rule: StallRule, rate: Double?) {
        self.rule = rule
        self.rate = rate
    }

    /// Bytes moved now; `handedOver`: the body bytes handed over so far, none of which the
    /// node has confirmed yet (nil: an answer piece, or no body).
    func moved(handedOver: UInt64? = nil) {
        state.withLock { state in
            state.last = .now
            if let handedOver { state.unconfirmed = handedOver }
        }
    }

    /// Seconds since the last byte moved, if that is past the allowance.
    func stalledFor() -> Double? {
        let (idle, unconfirmed) = state.withLock { (ContinuousClock.now - $0.last, $0.unconfirmed) }
        let seconds = Double(idle.components.seconds) + Double(idle.components.attoseconds) / 1e18
        return seconds > rule.allowance(unconfirmed: unconfirmed, rate: rate) ? seconds : nil
    }

    /// Runs `exchange`, failing it with `Stalled` when it stalls.
    func run<T: Sendable>(_ exchange: @escaping @Sendable () async throws -> T) async throws -> T {
        moved()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await exchange() }
            group.addTask { [self] in
                while true {
                    try await Task.sleep(for: .milliseconds(250))
                    if let seconds = stalledFor() { throw Stalled(seconds: seconds) }
                }
            }
            while let result = try await group.next() {
                if let result {
                    group.cancelAll()
                    return result
                }
            }
            throw CancellationError()
        }
    }
}

/// A request body sent from memory, in pieces, calling `handed` with the bytes handed
/// over after each: on a slow link, progress the `StallWatch` sees.
struct MemoryPieces: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let bytes: [UInt8]
    let piece: Int
    let handed: @Sendable (UInt64) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let pieces: MemoryPieces
        var position = 0

        mutating func next() async throws -> ByteBuffer? {
            guard position < pieces.bytes.count else { return nil }
            let end = Swift.min(pieces.bytes.count, position + pieces.piece)
            let buffer = ByteBuffer(bytes: pieces.bytes[position..<end])
            position = end
            pieces.handed(UInt64(end))
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pieces: self) }
}

/// Hands the download's sink to the task that runs it. Safe: one download uses the sink at
/// a time, and the caller touches it again only after that task ended.
private struct SinkBox: @unchecked Sendable {
    let sink: BlobSink
    init(_ sink: BlobSink) { self.sink = sink }
}
