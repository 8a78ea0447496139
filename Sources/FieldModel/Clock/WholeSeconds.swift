/// Times in the model are Unix milliseconds that are whole seconds.
///
/// Field work needs no finer time than a second, and the wire carries times as seconds
/// (Protocol/SPEC.md §2): every time is rounded down when a value is made, so every
/// replica holds exactly what the wire carries. Within a second, the hybrid clock's
/// logical counter orders events.
public enum WholeSeconds {
    @inline(__always)
    public static func floor(_ millis: UInt64) -> UInt64 { millis - millis % 1000 }
}
