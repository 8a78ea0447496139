import FieldWire
import NIOCore
import NIOHTTP1

/// Answers bytes that are not HTTP/1.1 with the same error frame as every other refusal
/// (400, code malformed), then closes: Hummingbird's own answer has no body. It sits just
/// after the HTTP/1 decoder. While a request is being answered the error goes on as
/// before (an answer is already on its way; the connection closes after it).
final class ParserErrorAnswer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Requests read whose answer has not ended.
    private var open = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { open += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { open = max(0, open - 1) }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parser = error as? HTTPParserError, open == 0 else {
            context.fireErrorCaught(error)
            return
        }
        let frame = Frame.encode(
            [.error(ErrorMessage(code: .malformed, message: "the request is not valid HTTP/1.1 (\(parser)): nothing was done"))], compress: false)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/vnd.fieldsync.frame")
        headers.add(name: "Content-Length", value: String(frame.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: frame)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
