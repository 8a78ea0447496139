import FieldModel

/// A frame: what one HTTP body carries (Protocol/SPEC.md §1).
///
/// `"FSYN" | version (1 byte) | flags (1 byte) | payload`, where flags bit 0 set means
/// the payload is one zstd frame, and the (decompressed) payload is a message count
/// followed by that many `type (1 byte) | length (varint) | body` messages.
public enum Frame {
    public static let magic: [UInt8] = Array("FSYN".utf8)
    /// The protocol version this implementation writes and reads.
    public static let version: UInt8 = 1
    /// zstd level: 3, zstd's default; level 19 saved under 3% on a day's sync (see bench).
    public static let compressionLevel: Int32 = 3
    static let flagZstd: UInt8 = 0x01

    /// Encodes messages into a frame, zstd-compressed unless `compress` is false.
    public static func encode(_ messages: [WireMessage], compress: Bool = true) -> [UInt8] {
        let segments = payloadSegments(messages)
        var out = magic + [version, compress ? flagZstd : 0]
        if compress {
            out.append(contentsOf: Zstd.compress(segments: segments, level: compressionLevel))
        } else {
            for segment in segments { out.append(contentsOf: segment) }
        }
        return out
    }

    /// The uncompressed payload: the message count and each message.
    public static func encodePayload(_ messages: [WireMessage]) -> [UInt8] { Array(payloadSegments(messages).joined()) }

    /// The payload in segments: zstd ends a block at each boundary, so an op batch's
    /// streams (structure, times, text, hashes) are compressed each on its own.
    static func payloadSegments(_ messages: [WireMessage]) -> [[UInt8]] {
        var count = WireWriter(capacity: 4)
        count.varint(UInt64(messages.count))
        var segments: [[UInt8]] = [count.bytes]
        for m in messages {
            let (type, body) = m.encodeBody()
            var head = WireWriter(capacity: 16)
            head.byte(type)
            head.varint(UInt64(body.reduce(0) { $0 + $1.count }))
            append(head.bytes, to: &segments)
            for part in body { append(part, to: &segments) }
        }
        return segments
    }

    /// A block boundary costs a few bytes: small pieces join their neighbour.
    static func append(_ part: [UInt8], to segments: inout [[UInt8]]) {
        if let last = segments.last, last.count < 256 || part.count < 256 {
            segments[segments.count - 1].append(contentsOf: part)
        } else {
            segments.append(part)
        }
    }

    /// Decodes a frame from untrusted bytes. Never traps; every failure is a ``WireError``.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> [WireMessage] {
        guard bytes.count <= WireLimits.maxFrameBytes else {
            throw WireError(.tooLarge, "frame of \(bytes.count) bytes is over the \(WireLimits.maxFrameBytes)-byte limit")
        }
        guard bytes.count >= 6 else { throw WireError(.truncated, "a frame needs at least 6 bytes, got \(bytes.count)") }
        guard Array(bytes[0..<4]) == magic else { throw WireError(.malformed, "not a FieldSync frame (bad magic)") }
        guard bytes[4] == version else {
            throw WireError(.unsupportedVersion, "protocol version \(bytes[4]) is not supported; this side speaks version \(version)")
        }
        let flags = bytes[5]
        guard flags & ~flagZstd == 0 else { throw WireError(.malformed, "unknown frame flags \(flags)") }
        let payload = flags & flagZstd != 0 ? try Zstd.decompress(bytes[6...], maxSize: WireLimits.maxPayloadBytes) : Array(bytes[6...])
        return try decodePayload(payload)
    }

    public static func decodePayload(_ payload: [UInt8]) throws(WireError) -> [WireMessage] {
        var r = WireReader(payload)
        let n = try r.count(max: WireLimits.maxMessages, "message count")
        var out: [WireMessage] = []
        for _ in 0..<n {
            let type = try r.byte()
            let length = try r.count(max: WireLimits.maxPayloadBytes, "message length")
            guard length <= r.remaining else { throw WireError(.truncated, "message of \(length) bytes, \(r.remaining) left") }
            var body = WireReader(r.bytes, from: r.offset, to: r.offset + length)
            try r.skip(length)
            out.append(try WireMessage.decodeBody(type: type, from: &body))
        }
        guard r.isAtEnd else { throw WireError(.malformed, "\(r.remaining) bytes after the last message") }
        return out
    }
}
