import FieldTestSupport
import FieldWire

extension InputMatrix {
    /// Frames that are not frames: truncated, bit-flipped, wrong versions, overlong varints.
    static func frames(_ c: InputContext) -> [HostileCase] {
        var out: [HostileCase] = []
        func add(_ name: String, _ body: [UInt8], _ expect: Expect) {
            out.append(HostileCase(category: "frames", name: name, request: c.sync(body), expect: expect))
        }
        let malformed = Expect.refusal(400, 1)
        add("empty body", [], malformed)
        add("text body", Array("not a frame".utf8), malformed)
        add("magic only", Frame.magic, malformed)
        add("version 2", HostileBodies.frame(HostileBodies.payload([(1, HostileBodies.helloBody(replica: c.e1Replica))]), version: 2), .refusal(400, 2))
        add("version 255", HostileBodies.frame([], version: 255), .refusal(400, 2))
        add("reserved flag bit", HostileBodies.frame(HostileBodies.payload([(1, HostileBodies.helloBody(replica: c.e1Replica))]), flags: 0x80), malformed)
        add("no messages", HostileBodies.frame([0]), malformed)
        add("bytes after the last message", HostileBodies.frame(HostileBodies.payload([(1, HostileBodies.helloBody(replica: c.e1Replica))]) + [9, 9]), malformed)
        add("hello with a bad replica id", HostileBodies.frame(HostileBodies.payload([(1, HostileBodies.helloBody(replica: "../../x")), (4, HostileBodies.pullBody())])), malformed)
        add("no hello", Frame.encode([HostileBodies.pull()]), malformed)

        // A push E1 could make, cut anywhere: never whole, so never stored.
        let push = HostileBodies.note(c.e1Next, by: c.e1Replica, on: c.ticketA)
        for compress in [false, true] {
            let whole = HostileBodies.push(c.e1Replica, [push], compress: compress)
            let cuts = Set([0, 3, 5, 6, 7, whole.count / 4, whole.count / 2, whole.count - 2, whole.count - 1])
            for cut in cuts.sorted() where cut < whole.count {
                add("push truncated to \(cut) of \(whole.count) bytes\(compress ? " (zstd)" : "")", Array(whole.prefix(cut)), malformed)
            }
        }

        // Overlong and overflowing varints (SPEC §2: bad-varint, code 1).
        let hello = HostileBodies.helloBody(replica: c.e1Replica)
        add("overlong message count", HostileBodies.frame([0x81, 0x00, 1] + HostileBodies.varint(UInt64(hello.count)) + hello), malformed)
        add("overlong message length", HostileBodies.frame([1, 1, 0x80 | UInt8(hello.count), 0x00] + hello), malformed)
        let replica = HostileBodies.string(c.e1Replica)
        add("overlong clock", HostileBodies.frame(HostileBodies.payload([(1, replica + [0x80, 0x80, 0x00] + [0])])), malformed)
        add("11-byte varint", HostileBodies.frame(HostileBodies.payload([(1, replica + Array(repeating: 0xFF, count: 10) + [0x01, 0])])), malformed)
        add("varint over 64 bits", HostileBodies.frame(HostileBodies.payload([(1, replica + Array(repeating: 0xFF, count: 9) + [0x7F, 0])])), malformed)

        // Bit flips of a pull (harmless if it still parses): an answer, never a crash.
        let pull = Frame.encode([HostileBodies.hello(c.e1Replica), HostileBodies.pull()], compress: false)
        let pullZ = Frame.encode([HostileBodies.hello(c.e1Replica), HostileBodies.pull()], compress: true)
        var rng = SeededRandom(seed: 0xF11B)
        for (label, frame) in [("", pull), (" (zstd)", pullZ)] {
            for _ in 0..<15 {
                let index = Int.random(in: 0..<frame.count, using: &rng)
                let bit = Int.random(in: 0..<8, using: &rng)
                add("pull with byte \(index) bit \(bit) flipped\(label)", HostileBodies.flip(frame, byte: index, bit: bit),
                    .either(.answer([200], "200 with a frame") { (try? Frame.decode($0.body)) != nil }, .refusal([400, 413])))
            }
        }
        return out
    }

    /// zstd frames that lie about their size or have none.
    static func compression(_ c: InputContext) -> [HostileCase] {
        var out: [HostileCase] = []
        func add(_ name: String, _ zstd: [UInt8], _ expect: Expect) {
            out.append(HostileCase(category: "zstd", name: name, request: c.sync(HostileBodies.compressedFrame(zstd)), expect: expect))
        }
        add("bomb declaring 1 TiB", HostileBodies.zstdRLE(declared: 1 << 40, blocks: 1), .refusal(413, 3))
        add("bomb of 64 MiB declared", HostileBodies.zstdRLE(declared: 64 << 20, blocks: 512), .refusal(413, 3))
        add("bomb declaring 1000 bytes, inflating to 64 MiB", HostileBodies.zstdRLE(declared: 1000, blocks: 512), .refusal(400, 1))
        add("bomb declaring 0 bytes", HostileBodies.zstdRLE(declared: 0, blocks: 1), .refusal(400, 1))
        add("no declared size", HostileBodies.zstdRLE(declared: nil, blocks: 8), .refusal(400, 1))
        add("32 MiB of zeros (at the limit)", HostileBodies.zstdRLE(declared: 32 << 20, blocks: 256), .refusal([400, 413]))
        // Random header bytes may declare any size: too-large is as right as malformed.
        add("zstd magic then garbage", [0x28, 0xB5, 0x2F, 0xFD] + HostileBodies.garbage(200, seed: 1), .refusal([400, 413]))
        add("garbage flagged as zstd", HostileBodies.garbage(300, seed: 2), .refusal(400, 1))
        return out
    }

    /// Lengths and counts far past the bytes sent or the limits of SPEC §6.
    static func sizes(_ c: InputContext) -> [HostileCase] {
        var out: [HostileCase] = []
        func add(_ name: String, _ body: [UInt8], _ expect: Expect) {
            out.append(HostileCase(category: "sizes", name: name, request: c.sync(body), expect: expect))
        }
        let v = HostileBodies.varint
        let hello = HostileBodies.helloBody(replica: c.e1Replica)
        let tooBig = Expect.refusal([400, 413])
        add("message length 2^62", HostileBodies.frame([1, 1] + v(1 << 62) + hello), tooBig)
        add("replica id length 2^40", HostileBodies.frame(HostileBodies.payload([(1, v(1 << 40) + Array("e1".utf8))])), tooBig)
        add("version vector of 2^32 replicas", HostileBodies.frame(HostileBodies.payload([(1, HostileBodies.string(c.e1Replica) + v(HostileBodies.nowMillis) + v(1 << 32))])), tooBig)
        add("17 messages", HostileBodies.frame(HostileBodies.payload(Array(repeating: (1, hello), count: 17))), tooBig)
        add("cursor of 1 MiB declared", HostileBodies.frame(HostileBodies.payload([(1, hello), (4, v(1 << 20) + [1, 2, 3])])), tooBig)
        add("cursor of 300 bytes", HostileBodies.frame(HostileBodies.payload([(1, hello), (4, v(300) + Array(repeating: 1, count: 300) + v(10))])), tooBig)
        func batch(count: UInt64, streams: [UInt64], bytes: [UInt8] = []) -> [UInt8] {
            HostileBodies.frame(HostileBodies.payload([(1, hello), (2, v(count) + streams.flatMap(v) + bytes)]))
        }
        add("op batch of 2^40 ops", batch(count: 1 << 40, streams: [0, 0, 0, 0]), tooBig)
        add("op batch of 100,001 ops", batch(count: 100_001, streams: [0, 0, 0, 0]), tooBig)
        add("op batch of 99,999 ops in 8 bytes", batch(count: 99_999, streams: [4, 2, 1, 1], bytes: [0x44, 0, 0, 0, 0, 0, 0, 0]), .refusal(400, 1))
        add("op batch stream of 2^50 bytes", batch(count: 1, streams: [1 << 50, 0, 0, 0]), tooBig)
        add("frame of 8 MiB + 1", HostileBodies.frame(Array(repeating: 0, count: (8 << 20) + 1 - 6)), .refusal(413, 3))
        add("note of 70,000 bytes", HostileBodies.push(c.e1Replica, [HostileBodies.note(c.e1Next, by: c.e1Replica, on: c.ticketA, text: String(repeating: "x", count: 70_000))]), tooBig)
        out.append(HostileCase(category: "sizes", name: "Content-Length of 1 TiB, no body", request: c.sync([], headers: [("Content-Length", "\(1 << 40)")]), expect: .refusal(413, 3)))
        out.append(HostileCase(category: "sizes", name: "Content-Length of 2^70", request: c.sync([], headers: [("Content-Length", "1180591620717411303424")]), expect: .closedOrRefused([400, 413])))
        out.append(HostileCase(category: "sizes", name: "Content-Length -1", request: c.sync([], headers: [("Content-Length", "-1")]), expect: .closedOrRefused([400])))
        let chunk = Array(repeating: UInt8(0), count: 1 << 20)
        var chunked: [UInt8] = []
        for _ in 0..<9 { chunked += Array("100000\r\n".utf8) + chunk + [13, 10] }
        chunked += Array("0\r\n\r\n".utf8)
        out.append(HostileCase(category: "sizes", name: "9 MiB chunked", request: c.sync(chunked, headers: [("Transfer-Encoding", "chunked")]), expect: .refusal(413, 3)))
        out.append(HostileCase(category: "sizes", name: "chunk size 2^68", request: c.sync(Array("100000000000000000\r\nabc".utf8), headers: [("Transfer-Encoding", "chunked")]), expect: .closedOrRefused([400, 413])))
        return out
    }
}
