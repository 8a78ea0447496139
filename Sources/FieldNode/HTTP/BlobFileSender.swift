import Foundation
import NIOCore
import NIOHTTP1

/// Sends a blob download's body by sendfile(2), from the page cache to the socket,
/// instead of reading it into buffers and writing those (Hummingbird's response bodies
/// are buffers only). It sits in a plain-HTTP connection's pipeline just above the
/// HTTP/1 encoder: a response whose head carries `header` (set by `BlobRoutes`, never
/// sent) gets that file range as its body. A 50 MB download on loopback took the node
/// 6-7 ms of CPU this way instead of 31 ms, time the client's hashing (on the same two
/// cores) gets back.
/// TLS connections cannot send a file region, so they never get this handler and
/// `BlobRoutes` streams there.
final class BlobFileSender: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The response head's marker: `OFFSET LENGTH PATH`.
    static let header = "x-fieldsync-send-file"

    /// The file range a response's head asked for.
    struct Range: Equatable {
        let path: String
        let offset: Int
        let length: Int

        var marker: String { "\(offset) \(length) \(path)" }

        init(path: String, offset: Int, length: Int) {
            self.path = path
            self.offset = offset
            self.length = length
        }

        init?(marker: String) {
            let parts = marker.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let offset = Int(parts[0]), let length = Int(parts[1]), offset >= 0, length >= 0 else { return nil }
            self.init(path: String(parts[2]), offset: offset, length: length)
        }
    }

    /// Methods of the requests not yet answered (HTTP/1 answers in order); a HEAD's
    /// answer has no body.
    private var methods: [HTTPMethod] = []
    private var pending: Range?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { methods.append(head.method) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            if head.status.code >= 200, !methods.isEmpty {
                let method = methods.removeFirst()
                if let marker = head.headers.first(name: Self.header) {
                    head.headers.remove(name: Self.header)
                    pending = method == .HEAD ? nil : Range(marker: marker)
                }
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end(let trailers):
            if let range = pending {
                pending = nil
                send(range, context: context)
            }
            context.write(wrapOutboundOut(.end(trailers)), promise: promise)
        }
    }

    /// Writes the range as the body; the descriptor is closed once NIO has sent it. If the
    /// file cannot be opened the connection is closed: the client sees a short body and
    /// asks again from what it holds.
    private func send(_ range: Range, context: ChannelHandlerContext) {
        guard range.length > 0 else { return }
        let fd = open(range.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            context.close(promise: nil)
            return
        }
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: fd)
        let region = FileRegion(fileHandle: handle, readerIndex: range.offset, endIndex: range.offset + range.length)
        let sent = context.eventLoop.makePromise(of: Void.self)
        sent.futureResult.whenComplete { _ in try? handle.close() }
        context.write(wrapOutboundOut(.body(.fileRegion(region))), promise: sent)
    }
}
