import FieldModel
import FieldTestSupport
import FieldWire
import Foundation
import Testing

/// The op-checksums message (SPEC §3.9): round trips, what an older peer sees, damage in
/// transit, and hostile bodies.
@Suite struct ChecksumWireTests {
    static let t0: UInt64 = 1_795_424_400_000
    static let e17 = ReplicaID("e17-1a2b")!
    static let ticket = EntityID("T1-central")!

    static func note(_ counter: UInt64, _ text: String) -> Op {
        Op(id: OpID(replica: e17, counter: counter), wallMillis: t0, logical: 0, subject: ticket, body: .note(Note(text: text, at: t0)))
    }

    @Test("random pushes and pages with their checksums survive a frame and verify, compressed or not")
    func randomOpsRoundTrip() throws {
        for seed in 1...UInt64(300) {
            var rng = SeededRandom(seed: seed)
            let ops = RandomOps.make(Int.random(in: 0...40, using: &rng), &rng)
            let messages = OpChecksums.attach(to: [
                .hello(Hello(replica: Self.e17, clock: Self.t0)), .push(Push(ops: ops)),
                .pullPage(PullPage(ops: ops.reversed(), nextCursor: [1], more: false)),
            ])
            #expect(messages.count == 5)
            let decoded = try Frame.decode(Frame.encode(messages, compress: seed % 2 == 0))
            #expect(decoded == messages, "seed \(seed)")
            try OpChecksums.verify(decoded)
            let sums = try #require(try OpChecksums(decoded[2]))
            #expect(sums.covers == .push && sums.checksums == ops.map(\.checksum))
            let pageSums = try #require(try OpChecksums(decoded[4]))
            #expect(pageSums.covers == .pullPage && pageSums.checksums == ops.reversed().map(\.checksum))
        }
    }

    @Test("a frame from an older peer (no op-checksums) passes unchecked; an older reader keeps ours as an unknown message")
    func compatibleBothWays() throws {
        let ops = [Self.note(1, "a"), Self.note(2, "b")]
        let old: [WireMessage] = [.push(Push(ops: ops)), .pullRequest(PullRequest(cursor: [], maxOps: 10))]
        try OpChecksums.verify(try Frame.decode(Frame.encode(old)))
        try OpChecksums.verify(ops, against: nil)
        let new = try Frame.decode(Frame.encode(OpChecksums.attach(to: old)))
        guard case .unknown(0x07, _) = new[1] else {
            Issue.record("op-checksums should decode as a message of type 7 the frame codec does not interpret: \(new[1])")
            return
        }
        #expect(Array(new[0...0]) + Array(new[2...]) == old)
    }

    @Test("one flipped byte of a note in transit is refused, naming the op, at every position of its text")
    func damageInTransitIsNamed() throws {
        let text = "Condenser fan seized, replaced"
        let ops = [Self.note(4, "first"), Self.note(5, text), Self.note(6, "last")]
        let frame = Frame.encode(OpChecksums.attach(to: [.push(Push(ops: ops))]), compress: false)
        let start = try #require(frame.firstRange(of: Array(text.utf8))).lowerBound
        for i in start..<(start + text.utf8.count) {
            var damaged = frame
            damaged[i] ^= 0x20  // ASCII stays ASCII, so the frame still decodes
            let decoded = try Frame.decode(damaged)
            do {
                try OpChecksums.verify(decoded)
                Issue.record("flip at byte \(i) passed")
            } catch {
                #expect(error.code == .malformed)
                #expect(error.detail.contains("op 5@e17-1a2b"), "\(error)")
                #expect(!error.detail.contains(text), "the message must not carry the op's content")
            }
        }
    }

    @Test("a flipped checksum byte is refused too")
    func damagedChecksumIsNamed() throws {
        let ops = [Self.note(1, "x")]
        let body = Array(OpChecksums.make(for: ops, covering: .push).message.body)
        for i in 2..<body.count {
            var damaged = body
            damaged[i] ^= 0x01
            #expect(throws: WireError.self) { try OpChecksums.verify(ops, against: .unknown(type: 0x07, body: damaged)) }
        }
    }

    @Test("hostile op-checksums bodies are refused with their code, before allocating")
    func hostileBodies() throws {
        let cases: [(String, [UInt8], WireError.Code)] = [
            ("empty body", [], .truncated),
            ("covers hello", [0x01, 0x00], .malformed),
            ("covers an unknown type", [0x7E, 0x00], .malformed),
            ("no count", [0x02], .truncated),
            ("count past the bytes", [0x02, 0x02, 0, 0, 0, 0], .truncated),
            ("count over the op limit", [0x02, 0xA1, 0x8D, 0x06], .tooLarge),  // 100,001
            ("count of 2^64 - 1", [0x02] + [UInt8](repeating: 0xFF, count: 9) + [0x01], .tooLarge),
            ("overlong count", [0x02, 0x80, 0x00], .badVarint),
        ]
        for (what, body, code) in cases {
            do {
                _ = try OpChecksums(.unknown(type: 0x07, body: body))
                Issue.record("\(what) was accepted")
            } catch {
                #expect(error.code == code, "\(what): \(error)")
            }
        }
        // Fields a newer version appends are skipped (SPEC §3.8).
        let sums = try #require(try OpChecksums(.unknown(type: 0x07, body: [0x05, 0x01, 0xDE, 0xAD, 0xBE, 0xEF, 0x42])))
        #expect(sums.covers == .pullPage && sums.checksums == [OpChecksum(rawValue: 0xDEAD_BEEF)])
        #expect(try OpChecksums(.pullRequest(PullRequest(cursor: [], maxOps: 1))) == nil)
    }

    @Test("checksums must follow the message they cover and count its ops exactly")
    func pairing() throws {
        let ops = [Self.note(1, "a")]
        let sums = OpChecksums.make(for: ops, covering: .push).message
        #expect(throws: WireError.self) { try OpChecksums.verify([sums, .push(Push(ops: ops))]) }
        #expect(throws: WireError.self) { try OpChecksums.verify([.pullPage(PullPage(ops: ops, nextCursor: [], more: false)), sums]) }
        #expect(throws: WireError.self) { try OpChecksums.verify([.push(Push(ops: ops + ops)), sums]) }
        #expect(throws: WireError.self) { try OpChecksums.verify([.push(Push(ops: [])), sums]) }
        #expect(throws: WireError.self) { try OpChecksums.verify(ops, against: .pullRequest(PullRequest(cursor: [], maxOps: 1))) }
        try OpChecksums.verify([.push(Push(ops: ops)), .hello(Hello(replica: Self.e17, clock: 0)), sums])
    }

    @Test(arguments: VectorFiles.names(in: "checksums"))
    func invalidChecksumVectorFailsWithItsCode(_ name: String) throws {
        let text = try VectorFiles.text("checksums", "\(name).hex")
        let expected = try #require(VectorFiles.header(text, "error"), "\(name).hex has no '# error: CODE' line")
        let bytes = try #require(VectorFiles.bytes(fromHex: text), "\(name).hex is not hex")
        let messages = try Frame.decode(bytes)  // valid frames: only the checksum layer refuses them
        do {
            try OpChecksums.verify(messages)
            Issue.record("\(name) verified but should fail with \(expected)")
        } catch {
            #expect(error.code.rawValue == expected, "\(name): \(error)")
        }
    }

    @Test("the checksum vectors are the catalog's")
    func checksumVectorsMatchTheCatalog() throws {
        let root = VectorFiles.root.appendingPathComponent("checksums")
        let writing = ProcessInfo.processInfo.environment["FIELDSYNC_WRITE_VECTORS"] == "1"
        if writing { try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true) }
        for v in Self.invalidVectors {
            let bytes = Frame.encode(v.messages, compress: false)
            let file = "# \(v.name): \(v.about)\n# error: \(v.error)\n# see ../README.md and ../../SPEC.md §3.9\n"
                + VectorFiles.hexText(bytes, comments: []).split(separator: "\n").joined(separator: "\n") + "\n"
            if writing { try file.write(to: root.appendingPathComponent("\(v.name).hex"), atomically: true, encoding: .utf8) }
            #expect(VectorFiles.bytes(fromHex: try VectorFiles.text("checksums", "\(v.name).hex")) == bytes, "\(v.name)")
        }
        #expect(VectorFiles.names(in: "checksums").count == Self.invalidVectors.count)
    }

    struct InvalidVector {
        let name: String
        let about: String
        let error: String
        let messages: [WireMessage]
    }

    static let invalidVectors: [InvalidVector] = {
        let op = note(6, "done")
        let good = OpChecksums.make(for: [op], covering: .push)
        let wrong = OpChecksums(covers: .push, checksums: [OpChecksum(rawValue: good.checksums[0].rawValue ^ 0x0000_0100)])
        return [
            InvalidVector(name: "checksum-mismatch", about: "a push whose one op does not match its checksum (one bit flipped)",
                          error: "malformed", messages: [.push(Push(ops: [op])), wrong.message]),
            InvalidVector(name: "checksum-count-mismatch", about: "two checksums for a push of one op",
                          error: "malformed", messages: [.push(Push(ops: [op])), OpChecksums(covers: .push, checksums: good.checksums + good.checksums).message]),
            InvalidVector(name: "checksum-before-push", about: "op-checksums before the push it would cover",
                          error: "malformed", messages: [good.message, .push(Push(ops: [op]))]),
            InvalidVector(name: "checksum-covers-pull-request", about: "op-checksums covering message type 4, which carries no ops",
                          error: "malformed", messages: [.push(Push(ops: [op])), .unknown(type: 0x07, body: [0x04, 0x01] + Array(good.message.body.dropFirst(2)))]),
            // A push of two ops, so that the count (2) is right and only the bytes are short.
            InvalidVector(name: "checksum-truncated", about: "op-checksums for a push of two ops: a count of 2, and the bytes of one checksum",
                          error: "truncated", messages: [.push(Push(ops: [op, note(7, "ok")])), .unknown(type: 0x07, body: [0x02, 0x02] + Array(good.message.body.dropFirst(2)))]),
        ]
    }()
}

extension WireMessage {
    /// The body of an `.unknown` message (op-checksums travel as one).
    var body: [UInt8] {
        if case .unknown(_, let body) = self { return body }
        return []
    }
}

extension ChecksumWireTests {
    @Test("SPEC §10's example: the canonical bytes and checksum of the sync-request vector's note")
    func specExample() throws {
        let op = Self.note(6, "done")
        let payload = OpPayloadCodec.encode(op.body)
        #expect(payload == [0xA0, 0x82, 0xA0, 0xB0, 0x0D, 0x04, 0x64, 0x6F, 0x6E, 0x65])
        #expect(op.checksum == OpChecksum(rawValue: 0xB7AC_14E4))
        let message = OpChecksums.make(for: [op], covering: .push).message
        #expect(message.body == [0x02, 0x01, 0xB7, 0xAC, 0x14, 0xE4])
    }
}
