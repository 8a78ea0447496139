/// How many bytes of a blob one upload request carries: about ten seconds of the link's
/// measured rate, between 16 KB and 256 MB. Each request ends in a durable checkpoint the
/// node acknowledges (it fsyncs first). The first request is 64 KB, to measure the link:
/// on a 2 KB/s field link it ends in about 30 s, where a first MB took over eight minutes
/// and never finished inside a request's deadline; on a fast link the next request
/// carries ten seconds of the rate (a photo in one or two requests) instead of pausing
/// for an fsync and a round trip every few MB. One sizer serves a whole command: every
/// blob goes over the same link.
package struct ChunkSizer: Sendable {
    package static let first: UInt64 = 64 << 10
    package static let minimum: UInt64 = 16 << 10
    package static let maximum: UInt64 = 256 << 20
    static let seconds = 10.0

    package private(set) var next = first
    /// Bytes per second of the last request; nil until one was measured.
    package private(set) var rate: Double?

    /// A blob this small goes whole in the first request, measured or not: on a field link
    /// a round trip costs more than a small photo's bytes, and a slow request is no longer
    /// cut for being slow (`StallRule`).
    package static let whole: UInt64 = 256 << 10

    package init() {}

    /// The bytes the next request carries of a blob with `remaining` bytes to send.
    package func length(remaining: UInt64) -> UInt64 {
        rate == nil && remaining <= Self.whole ? remaining : min(next, remaining)
    }

    /// A request carried `bytes` in `seconds`: size the next one from that rate.
    package mutating func measured(bytes: UInt64, seconds: Double) {
        guard bytes > 0, seconds > 0 else { return }
        let rate = Double(bytes) / seconds
        self.rate = rate
        let wanted = rate * Self.seconds
        next = wanted >= Double(Self.maximum) ? Self.maximum : max(Self.minimum, UInt64(wanted))
    }
}

/// When a request to the node counts as stalled: no byte moved for `idle` seconds.
///
/// Deadlines measure idle time, not total time, so a slow link that keeps moving bytes
/// never times out, and a stalled one says so in 20–30 s instead of 67 s or more.
/// AsyncHTTPClient's own timeouts do not fit: its deadlines are totals; its read timeout
/// starts only once the whole body is written and its write timeout ends there; and both
/// are per client, not per request. Bytes this process handed over may still sit in
/// buffers (NIO's, the kernel's, a proxy's) when the body is "sent", and the node answers
/// only once they arrived: so after the last byte moved, a request also gets the time its
/// unconfirmed bytes (at most `buffered`) take at the measured rate, or at `floorRate`
/// before anything was measured (so the first 64 KB chunk may take 52 s to be called
/// stalled; a link dead from the start stalls the small status request first, in 20 s). `NodeHTTP` watches each request with it
/// (`StallWatch`); the events are body pieces handed over and answer pieces received.
package struct StallRule: Sendable {
    /// Seconds without a byte moving before a request is given up.
    package var idle: Double
    /// The most unconfirmed bytes that may sit in buffers between here and the node.
    package var buffered: UInt64
    /// The rate assumed before one was measured: a weak GSM link.
    package static let floorRate = 2_000.0

    package init(idle: Double = 20, buffered: UInt64 = 64 << 10) {
        self.idle = idle
        self.buffered = buffered
    }

    /// Seconds a request may go without an event after handing over `unconfirmed` bytes
    /// the node has not answered for, at `rate` bytes per second (nil: not measured).
    package func allowance(unconfirmed: UInt64, rate: Double?) -> Double {
        let rate = max(rate ?? Self.floorRate, 100)
        return idle + Double(min(unconfirmed, buffered)) / rate
    }
}
