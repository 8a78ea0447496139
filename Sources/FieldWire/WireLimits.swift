/// Size limits every reader enforces (Protocol/SPEC.md §6). A length or count over a
/// limit is refused before anything is allocated for it.
public enum WireLimits {
    /// Largest frame on the wire (HTTP body): 8 MiB.
    public static let maxFrameBytes = 8 << 20
    /// Largest frame payload after decompression: 32 MiB.
    public static let maxPayloadBytes = 32 << 20
    /// Most messages in one frame.
    public static let maxMessages = 16
    /// Most ops in one push or pull page.
    public static let maxOpsPerMessage = 100_000
    /// Longest op payload: 1 MiB.
    public static let maxOpPayloadBytes = 1 << 20
    /// Longest cursor: 256 bytes.
    public static let maxCursorBytes = 256
    /// Most replicas in a version vector.
    public static let maxReplicas = 100_000
    /// Longest node incarnation in a hello: 64 bytes.
    public static let maxIncarnationBytes = 64
    /// Longest principal name an op-vouchers message may carry (SPEC §3.10).
    public static let maxPrincipalBytes = 128
}
