import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import FieldNode

/// The handler that turns a marked blob response into a sendfile body: the marker never
/// reaches the wire, the body is exactly the marked range, and a HEAD gets no body.
@Suite struct BlobFileSenderTests {
    typealias Request = HTTPServerRequestPart
    typealias Response = HTTPServerResponsePart

    static func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(BlobFileSender())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        return channel
    }

    static func answer(_ channel: EmbeddedChannel, method: HTTPMethod, marker: String?) throws {
        try channel.writeInbound(Request.head(HTTPRequestHead(version: .http1_1, method: method, uri: "/v1/blobs/x")))
        try channel.writeInbound(Request.end(nil))
        var headers = HTTPHeaders([("content-length", "6")])
        if let marker { headers.add(name: BlobFileSender.header, value: marker) }
        try channel.writeOutbound(Response.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)))
        // Not `writeOutbound`: after a close this write fails, and that is expected.
        channel.writeAndFlush(Response.end(nil), promise: nil)
    }

    static func written(_ channel: EmbeddedChannel) throws -> [Response] {
        var parts: [Response] = []
        while let part = try channel.readOutbound(as: Response.self) { parts.append(part) }
        return parts
    }

    /// A ten-byte file in a new folder (with a space in its name); removed by `remove`.
    static func blobFile() throws -> (path: String, remove: () -> Void) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sender-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("blob with spaces").path
        try Data("0123456789".utf8).write(to: URL(fileURLWithPath: path))
        return (path, { try? FileManager.default.removeItem(at: dir) })
    }

    @Test("a marked response gets the file range as its body, and the marker is not sent")
    func markedResponseSendsTheRange() throws {
        let (path, remove) = try Self.blobFile()
        defer { remove() }
        let channel = try Self.channel()
        try Self.answer(channel, method: .GET, marker: BlobFileSender.Range(path: path, offset: 4, length: 6).marker)
        let parts = try Self.written(channel)
        #expect(parts.count == 3)
        guard parts.count == 3, case .head(let head) = parts[0], case .body(.fileRegion(let region)) = parts[1], case .end = parts[2] else {
            Issue.record("expected head, file body, end; got \(parts)")
            return
        }
        #expect(!head.headers.contains(name: BlobFileSender.header))
        #expect(head.headers["content-length"] == ["6"])
        #expect(region.readerIndex == 4 && region.endIndex == 10)
        _ = try channel.finish()
    }

    @Test("a HEAD request's marked answer has no body; unmarked answers pass untouched")
    func headAndUnmarked() throws {
        let (path, remove) = try Self.blobFile()
        defer { remove() }
        let channel = try Self.channel()
        try Self.answer(channel, method: .HEAD, marker: BlobFileSender.Range(path: path, offset: 0, length: 6).marker)
        let head = try Self.written(channel)
        #expect(head.count == 2)
        if case .head(let h) = head.first { #expect(!h.headers.contains(name: BlobFileSender.header)) }

        try Self.answer(channel, method: .GET, marker: nil)
        let plain = try Self.written(channel)
        #expect(plain.count == 2, "head and end only: no body was added")
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test("a marked file that cannot be opened closes the connection (the client resumes)")
    func missingFileCloses() throws {
        let channel = try Self.channel()
        #expect(channel.isActive)
        try Self.answer(channel, method: .GET, marker: BlobFileSender.Range(path: "/nonexistent/blob", offset: 0, length: 6).marker)
        #expect(!channel.isActive)
    }

    @Test("markers round-trip; malformed ones are not read as a range")
    func markers() {
        let range = BlobFileSender.Range(path: "/data/blobs/ab cd", offset: 12, length: 34)
        #expect(BlobFileSender.Range(marker: range.marker) == range)
        #expect(BlobFileSender.Range(marker: "12 /path") == nil)
        #expect(BlobFileSender.Range(marker: "-1 5 /path") == nil)
        #expect(BlobFileSender.Range(marker: "a b /path") == nil)
    }
}
