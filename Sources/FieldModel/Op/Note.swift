/// Free text an engineer or dispatcher adds to a ticket. Notes are append-only and
/// shown in clock order.
public struct Note: Hashable, Sendable {
    public let text: String
    /// Device wall time when written (Unix ms).
    public let at: UInt64

    public init(text: String, at: UInt64) {
        self.text = text
        self.at = WholeSeconds.floor(at)
    }
}
