import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// HTTP/1 connections that read up to 256 KB from the socket at a time instead of NIO's
/// 64 KB. A blob upload is tens of MB: with 64 KB reads each piece costs a hop from the
/// event loop to the handler task and back; 256 KB reads took a 50 MB upload from
/// ~100 ms to ~75 ms on loopback. 1 MB reads were no faster and held ~10 MB more per
/// upload (the request body buffers up to ten reads). Small requests still get small
/// buffers (the allocator adapts).
///
/// With `sendsFiles` (plain HTTP only) blob downloads go by sendfile (`BlobFileSender`).
///
/// `headerTimeout` is Hummingbird's idle timeout: a connection that sends no whole request
/// head within it (from its start, or from the end of its last answer), or no body bytes
/// for that long mid-upload, is closed; an upload keeps what arrived. Bytes that are not
/// HTTP get an error frame (`ParserErrorAnswer`).
struct LargeReadChannel: ServerChildChannel {
    static let maximumRead = 256 << 10

    let base: HTTP1Channel
    let sendsFiles: Bool

    static func builder(sendsFiles: Bool, headerTimeout: TimeAmount) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            LargeReadChannel(base: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: headerTimeout)), sendsFiles: sendsFiles)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        let reads = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: Self.maximumRead)
        return channel.setOption(ChannelOptions.recvAllocator, value: reads).flatMap {
            base.setup(channel: channel, logger: logger)
        }.flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            if sendsFiles {
                // Between the HTTP/1 decoder and the HTTP types codec: it sees NIOHTTP1's
                // parts, whose bodies may be file regions.
                try pipeline.addHandler(BlobFileSender(), position: .after(decoder))
            }
            // Right after the decoder, so its errors reach this first.
            try pipeline.addHandler(ParserErrorAnswer(), position: .after(decoder))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
