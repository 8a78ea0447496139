import FieldModel
import FieldTestSupport
import FieldWire
import Foundation

/// Request bodies a hostile client sends: frames that lie about lengths, counts and
/// compressed sizes, written byte by byte from Protocol/SPEC.md.
enum HostileBodies {
    static var nowMillis: UInt64 { UInt64(Date().timeIntervalSince1970) * 1000 }

    static func varint(_ value: UInt64) -> [UInt8] {
        var w = WireWriter(capacity: 10)
        w.varint(value)
        return w.bytes
    }

    static func string(_ s: String) -> [UInt8] { varint(UInt64(s.utf8.count)) + Array(s.utf8) }

    /// An uncompressed frame around a payload.
    static func frame(_ payload: [UInt8], version: UInt8 = 1, flags: UInt8 = 0) -> [UInt8] {
        Frame.magic + [version, flags] + payload
    }

    /// A payload of raw messages (type, body).
    static func payload(_ messages: [(UInt8, [UInt8])]) -> [UInt8] {
        var out = varint(UInt64(messages.count))
        for (type, body) in messages { out += [type] + varint(UInt64(body.count)) + body }
        return out
    }

    /// A hello body written by hand (so it may carry what the model refuses to build).
    static func helloBody(replica: String, clock: UInt64 = nowMillis) -> [UInt8] { string(replica) + varint(clock) + varint(0) }

    /// A pull-request body: empty cursor, at most `maxOps`.
    static func pullBody(maxOps: UInt64 = 100) -> [UInt8] { varint(0) + varint(maxOps) }

    static func hello(_ replica: String, clock: UInt64 = nowMillis) -> WireMessage {
        .hello(Hello(replica: ReplicaID(replica)!, clock: clock))
    }

    static func pull() -> WireMessage { .pullRequest(PullRequest(cursor: [], maxOps: 100)) }

    static func note(_ counter: UInt64, by replica: String, on ticket: String, text: String = "chaos probe", wall: UInt64 = nowMillis) -> Op {
        Op(id: OpID(replica: ReplicaID(replica)!, counter: counter), wallMillis: wall, logical: 0,
           subject: EntityID(ticket)!, body: .note(Note(text: text, at: wall)))
    }

    static func op(_ counter: UInt64, by replica: String, on ticket: String, _ body: OpBody, wall: UInt64 = nowMillis) -> Op {
        Op(id: OpID(replica: ReplicaID(replica)!, counter: counter), wallMillis: wall, logical: 0, subject: EntityID(ticket)!, body: body)
    }

    static func push(_ replica: String, _ ops: [Op], compress: Bool = true) -> [UInt8] {
        Frame.encode([hello(replica), .push(Push(ops: ops)), pull()], compress: compress)
    }

    // MARK: zstd frames written by hand (RFC 8878)

    /// A zstd frame of `blocks` RLE blocks of 128 KiB of one byte each (about 4 bytes per
    /// block on the wire), declaring `declared` bytes of content (nil: no size at all).
    static func zstdRLE(declared: UInt64?, blocks: Int) -> [UInt8] {
        var out: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
        if let declared {
            out.append(0xC0)  // 8-byte content size, not single-segment, no checksum, no dictionary
            out.append(0x38)  // window 128 KiB
            for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: declared >> (8 * UInt64(i)))) }
        } else {
            out.append(0x00)  // no content size
            out.append(0x38)
        }
        let blockSize: UInt32 = 128 * 1024
        for i in 0..<blocks {
            let last: UInt32 = i == blocks - 1 ? 1 : 0
            let header = last | (1 << 1) | (blockSize << 3)  // RLE block
            out += [UInt8(header & 0xFF), UInt8((header >> 8) & 0xFF), UInt8((header >> 16) & 0xFF), 0x00]
        }
        return out
    }

    /// A compressed frame whose payload is the zstd frame `zstd`.
    static func compressedFrame(_ zstd: [UInt8]) -> [UInt8] { Frame.magic + [1, 1] + zstd }

    // MARK: Mutations

    /// `bytes` with bit `bit` of byte `index` flipped.
    static func flip(_ bytes: [UInt8], byte index: Int, bit: Int) -> [UInt8] {
        var out = bytes
        out[index] ^= UInt8(1 << bit)
        return out
    }

    /// Seeded garbage.
    static func garbage(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }
}
