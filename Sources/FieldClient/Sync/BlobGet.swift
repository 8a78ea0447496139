import FieldStore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One GET of a blob over plain HTTP/1, written into a `BlobSink` on the event loop as the
/// bytes arrive, reading up to 1 MB from the socket at a time. AsyncHTTPClient reads
/// 64 KB at a time and hands each piece to the awaiting task; here each read goes to the
/// file at once, on the loop (a blocking write to the page cache; a CLI runs one transfer
/// at a time). The last byte of a 50 MB loopback download arrived at ~50 ms instead of
/// ~65 ms. TLS downloads stay on AsyncHTTPClient.
struct BlobGet {
    static let maximumRead = 1 << 20
    /// A refusal's body is an error message: kept up to this size.
    static let messageLimit = 64 << 10

    let url: URL
    let headers: [(String, String)]

    /// What the node answered: its status, and the body when it was not the blob.
    struct Answer {
        let status: Int
        let message: [UInt8]
    }

    /// Connects, sends the GET, writes a 200/206 body into `sink`. Throws on a broken
    /// connection, when `deadline` passes or when cancelled; what reached the sink stays in it.
    func run(into sink: BlobSink, deadline: TimeAmount, received: @escaping @Sendable (UInt64) -> Void) async throws -> Answer {
        guard let host = url.host, let port = url.port ?? (url.scheme == "http" ? 80 : nil) else {
            throw ClientError(.badArgument, "the node address \(url.absoluteString) has no host and port")
        }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.path.isEmpty ? "/" : url.path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }

        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let done = loop.makePromise(of: Answer.self)
        let handler = SinkHandler(head: head, sink: Handoff(sink), done: done, received: received)
        let boxed = Handoff(handler)
        let timer = loop.scheduleTask(in: deadline) { done.fail(ChannelError.connectTimeout(deadline)) }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(15))
            .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 64 << 10, maximum: Self.maximumRead))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(boxed.value)
                }
            }
        let channel: any Channel
        do { channel = try await bootstrap.connect(host: host, port: port).get() } catch {
            timer.cancel()
            done.fail(error)
            throw error
        }
        // Whatever ends the exchange (answer, error, deadline) closes the connection.
        done.futureResult.whenComplete { _ in
            timer.cancel()
            channel.close(promise: nil)
        }
        // Cancelled (the link stalled: `StallWatch`): failing the promise closes the connection.
        return try await withTaskCancellationHandler {
            try await done.futureResult.get()
        } onCancel: {
            done.fail(CancellationError())
        }
    }
}

/// Hands a value that is not `Sendable` to the event loop. Safe here: the sink and the
/// handler are used only on the channel's event loop while the GET runs, and the
/// awaiting task touches the sink again only after the GET's future has completed, which
/// orders those uses after the loop's.
private struct Handoff<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Writes the body of a 200/206 answer into the sink; keeps any other answer's body as
/// its message.
private final class SinkHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let head: HTTPRequestHead
    let sink: BlobSink
    let done: EventLoopPromise<BlobGet.Answer>
    let received: @Sendable (UInt64) -> Void
    private let start: UInt64
    private var status = 0
    private var message: [UInt8] = []
    /// A write failed: nothing more goes into the sink (the connection is closing).
    private var stopped = false

    init(head: HTTPRequestHead, sink: Handoff<BlobSink>, done: EventLoopPromise<BlobGet.Answer>, received: @escaping @Sendable (UInt64) -> Void) {
        self.head = head
        self.sink = sink.value
        self.done = done
        self.received = received
        self.start = sink.value.written
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response):
            status = Int(response.status.code)
        case .body(let bytes):
            guard !stopped else { return }
            guard status == 200 || status == 206 else {
                message += bytes.readableBytesView.prefix(BlobGet.messageLimit - message.count)
                return
            }
            // Hashed from this buffer on the follower's queue, beside the write: the hash is
            // the download's longest path, and reading the bytes back from the file made
            // it ~10% longer (50 MB: ~45 ms with the read, ~41 ms without).
            sink.hashBeforeWrite(count: bytes.readableBytes) { hasher in
                bytes.withUnsafeReadableBytes { hasher.update($0) }
            }
            do {
                try bytes.withUnsafeReadableBytes { try sink.write($0) }
                received(sink.written - start)
            } catch {
                stopped = true
                done.fail(error)
                context.close(promise: nil)
            }
        case .end:
            done.succeed(BlobGet.Answer(status: status, message: message))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.eof)
        context.fireChannelInactive()
    }
}
