import FieldClient
import Testing

@Suite struct ChunkSizerTests {
    let mb: UInt64 = 1 << 20

    @Test("the first chunk is 1 MB, to measure the link")
    func startsSmall() {
        #expect(ChunkSizer().next == mb)
    }

    @Test("later chunks carry about ten seconds of the measured rate")
    func followsTheRate() {
        var sizer = ChunkSizer()
        sizer.measured(bytes: 4 * mb, seconds: 2)  // 2 MB/s
        #expect(sizer.next == 20 * mb)
        sizer.measured(bytes: 20 * mb, seconds: 40)  // the link slowed to 0.5 MB/s
        #expect(sizer.next == 5 * mb)
    }

    @Test("a slow field link keeps the 1 MB minimum; loopback is capped at 256 MB")
    func clamps() {
        var slow = ChunkSizer()
        slow.measured(bytes: mb, seconds: 52)  // 20 KB/s
        #expect(slow.next == ChunkSizer.minimum)
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
