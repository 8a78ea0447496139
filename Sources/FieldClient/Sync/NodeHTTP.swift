import AsyncHTTPClient
import FieldStore
import FieldWire
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Requests to the node with the replica's token; network failures become one clear
/// `nodeUnreachable` (or `nodeUntrusted`) error.
struct NodeHTTP: Sendable {
    let link: NodeLink

    struct Reply {
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
    /// from what the sink holds; `received` gets the bytes written so far. `expected` (the
    /// bytes still to come) sets the deadline: 15 s plus time for them at 20 KB/s.
    func download(
        _ path: String, to sink: BlobSink, expected: UInt64, received: @escaping @Sendable (UInt64) -> Void
    ) async throws {
        var headers = [("Authorization", "Bearer \(link.token)")]
        let from = sink.written
        if from > 0 { headers.append(("Range", "bytes=\(from)-")) }
        let deadline = Int64(15 + min(3585, expected / 20_000))
        do {
            let answer: BlobGet.Answer
            if link.url.hasPrefix("http:"), let url = URL(string: link.url + path) {
                answer = try await BlobGet(url: url, headers: headers).run(into: sink, deadline: .seconds(deadline), received: received)
            } else {
                answer = try await downloadOverTLS(path, headers: headers, to: sink, deadline: deadline, received: received)
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
            throw Self.unreachable(link, error, then: "what arrived is kept; fetch again to continue")
        }
    }

    /// The download through AsyncHTTPClient (which speaks TLS), body pieces written as
    /// they arrive.
    private func downloadOverTLS(
        _ path: String, headers: [(String, String)], to sink: BlobSink, deadline: Int64, received: @Sendable (UInt64) -> Void
    ) async throws -> BlobGet.Answer {
        var request = HTTPClientRequest(url: link.url + path)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let from = sink.written
        let response = try await NodeClients.client(for: link).execute(request, timeout: .seconds(deadline))
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
    /// connected, the deadline is 15 s plus time for the body at a slow 20 KB/s.
    func send(
        _ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = [],
        expectBytes: Int = 8 << 20
    ) async throws -> Reply {
        try await send(
            method, path, body: body.map { .bytes(ByteBuffer(bytes: $0)) }, bodyBytes: body?.count ?? 0, headers: headers,
            expectBytes: expectBytes)
    }

    /// Sends a request whose body (of `bodyBytes` bytes) may be streamed.
    func send(
        _ method: HTTPMethod, _ path: String, body: HTTPClientRequest.Body?, bodyBytes: Int, headers: [(String, String)] = [],
        expectBytes: Int = 8 << 20
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: link.url + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(link.token)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = body
        let deadline = Int64(15 + min(585, (bodyBytes + expectBytes / 8) / 20_000))
        return try await answer {
            let response = try await NodeClients.client(for: link).execute(request, timeout: .seconds(deadline))
            return (response.status.code, [UInt8](buffer: try await response.body.collect(upTo: expectBytes)))
        }
    }

    /// PUTs `length` bytes of the open file `fd` from `offset`. Over plain HTTP the bytes
    /// go by sendfile(2), from the page cache to the socket without a copy through this
    /// process (a 50 MB upload to a loopback node: ~95 ms → ~70 ms); TLS cannot, so there
    /// they are read in 1 MB pieces (`FileChunks`). `sent` gets the file position as
    /// bytes are handed over: per piece over TLS, at the end over plain HTTP.
    func put(
        _ path: String, file fd: Int32, offset: UInt64, length: UInt64, sent: @escaping @Sendable (UInt64) -> Void
    ) async throws -> Reply {
        guard link.url.hasPrefix("http:") else {
            let chunks = FileChunks(fd: fd, offset: offset, length: length, sent: sent)
            return try await send(.PUT, path, body: chunks.body, bodyBytes: Int(length))
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
        let deadline = Int64(15 + min(585, Int(length) / 20_000))
        let reply = try await answer {
            let response = try await NodeClients.client(for: link).execute(request: request, deadline: .now() + .seconds(deadline)).get()
            return (response.status.code, response.body.map { [UInt8](buffer: $0) } ?? [])
        }
        if reply.status == 200 { sent(offset + length) }
        return reply
    }

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
            throw Self.unreachable(link, error, then: "sync again when you have signal")
        }
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
        return ClientError(.nodeUnreachable, "cannot reach the node at \(link.url) (\(error)): your work is safe in this replica; \(then)")
    }
}
