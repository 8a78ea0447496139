import FieldModel
import FieldTestSupport
import FieldWire
import Testing

@Suite struct FrameRoundTripTests {
    @Test("1,000 random op batches survive encode and decode, compressed or not")
    func randomOpsRoundTrip() throws {
        for seed in 1...UInt64(1_000) {
            var rng = SeededRandom(seed: seed)
            let ops = RandomOps.make(Int.random(in: 0...40, using: &rng), &rng)
            let messages: [WireMessage] = [.push(Push(ops: ops)), .pullPage(PullPage(ops: ops.reversed(), nextCursor: [1, 2], more: seed % 2 == 0))]
            let compressed = seed % 2 == 0
            let decoded = try Frame.decode(Frame.encode(messages, compress: compressed))
            #expect(decoded == messages, "seed \(seed)")
            if decoded != messages { return }
        }
    }

    @Test func everyMessageTypeRoundTrips() throws {
        var v = VersionVector()
        v[ReplicaID("central")!] = 42
        v[ReplicaID("e17-1a2b")!] = UInt64.max
        let messages: [WireMessage] = [
            .hello(Hello(replica: ReplicaID("e17-1a2b")!, have: v, clock: 1_795_424_400_000)),
            .push(Push(ops: [])),
            .pushAck(PushAck(acked: v)),
            .pullRequest(PullRequest(cursor: [], maxOps: 5000)),
            .pullPage(PullPage(ops: [], nextCursor: [0xFF, 0], more: true)),
            .error(ErrorMessage(code: .counterGap, message: "op 5@e17 skips counter 4")),
            .unknown(type: 0x7E, body: [1, 2, 3]),
        ]
        #expect(try Frame.decode(Frame.encode(messages)) == messages)
    }

    @Test("ops in a message cost a few bytes beyond their content")
    func opsAreCompact() {
        var maker = OpMaker(clock: HybridClock(replica: ReplicaID("e17-1a2b")!))
        var ops: [Op] = []
        let t = EntityID("T1-central")!
        for i in 0..<100 {
            ops.append(maker.make(.lifecycle(LifecycleEvent(kind: .paused, at: 1_795_424_400_000 + UInt64(i) * 60_000, after: [])), on: t, now: 1_795_424_400_000 + UInt64(i) * 60_000))
        }
        let bytes = Frame.encodePayload([.push(Push(ops: ops))]).count
        // Header (replica, counter, wall delta, logical, subject, kind, length) + a small payload.
        #expect(bytes < 100 * 14, "\(bytes) bytes for 100 pauses")
    }

    @Test("damaged frames give an error, never a crash")
    func mutatedFramesNeverTrap() {
        var rng = SeededRandom(seed: 99)
        let valid = Frame.encode([.push(Push(ops: RandomOps.make(30, &rng)))], compress: false)
        var errors = 0
        for i in 0..<3_000 {
            var bytes = valid
            switch i % 3 {
            case 0: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            case 1:
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 6..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 6..<bytes.count, using: &rng))
            }
            do { _ = try Frame.decode(bytes) } catch { errors += 1 }
        }
        #expect(errors > 2_000)
    }
}

@Suite struct FuzzFindingTests {
    @Test("a frame with no messages round-trips (found by fuzzing)")
    func emptyMessageList() throws {
        let bytes: [UInt8] = [0x46, 0x53, 0x59, 0x4E, 0x01, 0x00, 0x00]
        #expect(try Frame.decode(bytes).isEmpty)
        #expect(Frame.encode([], compress: false) == bytes)
        #expect(try Frame.decode(Frame.encode([])).isEmpty)
    }
}
