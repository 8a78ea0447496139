import FieldClient
import Testing

@Suite struct ChunkSizerTests {
    let mb: UInt64 = 1 << 20
    let kb: UInt64 = 1 << 10

    @Test("the first chunk is 64 KB, to measure the link: about 30 s at 2 KB/s")
    func startsSmall() {
        #expect(ChunkSizer().next == 64 * kb)
        #expect(ChunkSizer().rate == nil)
    }

    @Test("a photo of 256 KB or less goes whole before the link is measured; a larger one starts with 64 KB")
    func smallPhotosWhole() {
        var sizer = ChunkSizer()
        #expect(sizer.length(remaining: 200_000) == 200_000)
        #expect(sizer.length(remaining: 256 * kb + 1) == 64 * kb)
        sizer.measured(bytes: 64 * kb, seconds: 32)  // 2 KB/s: then by the rate
        #expect(sizer.length(remaining: 200_000) == 20 * kb)
        #expect(sizer.length(remaining: 1000) == 1000)
    }

    @Test("later chunks carry about ten seconds of the measured rate")
    func followsTheRate() {
        var sizer = ChunkSizer()
        sizer.measured(bytes: 4 * mb, seconds: 2)  // 2 MB/s
        #expect(sizer.next == 20 * mb)
        #expect(sizer.rate == Double(2 * mb))
        sizer.measured(bytes: 20 * mb, seconds: 40)  // the link slowed to 0.5 MB/s
        #expect(sizer.next == 5 * mb)
    }

    @Test("a 2 KB/s link gets 20 KB chunks (ten seconds each); a slower one the 16 KB minimum; loopback is capped at 256 MB")
    func clamps() {
        var weak = ChunkSizer()
        weak.measured(bytes: 64 * kb, seconds: 32)  // 2 KB/s
        #expect(weak.next == 20 * kb)
        var slower = ChunkSizer()
        slower.measured(bytes: 64 * kb, seconds: 128)  // 0.5 KB/s
        #expect(slower.next == ChunkSizer.minimum)
        var fast = ChunkSizer()
        fast.measured(bytes: mb, seconds: 0.002)
        #expect(fast.next == ChunkSizer.maximum)
    }

    @Test("a measurement of nothing changes nothing")
    func ignoresEmptyMeasurements() {
        var sizer = ChunkSizer()
        sizer.measured(bytes: 8 * mb, seconds: 1)
        let before = sizer.next
        sizer.measured(bytes: 0, seconds: 1)
        sizer.measured(bytes: mb, seconds: 0)
        #expect(sizer.next == before)
    }
}

/// Deadlines measure idle time: how long a request may go without a byte moving.
@Suite struct StallRuleTests {
    let rule = StallRule()

    @Test("with nothing in flight, a request is stalled after 20 s without a byte")
    func idleAlone() {
        #expect(rule.allowance(unconfirmed: 0, rate: nil) == 20)
        #expect(rule.allowance(unconfirmed: 0, rate: 10_000_000) == 20)
    }

    @Test("bytes handed over but unconfirmed get their time at the measured rate, at most 64 KB of them")
    func unconfirmedAtTheRate() {
        // A 2 KB/s link's 20 KB chunk, all of it still in buffers: 10 s more.
        #expect(rule.allowance(unconfirmed: 20_000, rate: 2_000) == 30)
        // A fast link: buffers drain at once.
        #expect(rule.allowance(unconfirmed: 64 << 10, rate: 100_000_000) < 20.01)
        // More than buffers hold counts as what they hold.
        #expect(rule.allowance(unconfirmed: 10 << 20, rate: 2_048) == rule.allowance(unconfirmed: 64 << 10, rate: 2_048))
    }

    @Test("before any measurement, the floor of 2 KB/s: the first 64 KB chunk may take 52 s to be called stalled")
    func floorBeforeMeasuring() {
        #expect(rule.allowance(unconfirmed: 64 << 10, rate: nil) == 20 + 65_536.0 / 2_000)
    }

    @Test("a slow link that keeps moving never stalls: the allowance does not grow with the total sent")
    func slowButMoving() {
        // 5 MB at 2 KB/s is 43 min; each 20 KB chunk alone is what the rule weighs.
        let perChunk = rule.allowance(unconfirmed: 20_000, rate: 2_000)
        #expect(perChunk < 31)
    }
}
