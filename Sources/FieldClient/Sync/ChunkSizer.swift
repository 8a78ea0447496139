/// How many bytes of a blob one upload request carries: about ten seconds of the link's
/// measured rate, between 1 MB and 256 MB. Each request ends in a durable checkpoint the
/// node acknowledges (it fsyncs first). On a slow field link requests stay small, so one
/// ends well inside its deadline and progress is confirmed often; on a fast link a photo
/// goes in one or two requests instead of pausing for an fsync and a round trip every
/// few MB. The first request is the minimum, to measure the link.
package struct ChunkSizer {
    package static let minimum: UInt64 = 1 << 20
    package static let maximum: UInt64 = 256 << 20
    static let seconds = 10.0

    package private(set) var next = minimum

    package init() {}

    /// A request carried `bytes` in `seconds`: size the next one from that rate.
    package mutating func measured(bytes: UInt64, seconds: Double) {
        guard bytes > 0, seconds > 0 else { return }
        let wanted = Double(bytes) / seconds * Self.seconds
        next = wanted >= Double(Self.maximum) ? Self.maximum : max(Self.minimum, UInt64(wanted))
    }
}
