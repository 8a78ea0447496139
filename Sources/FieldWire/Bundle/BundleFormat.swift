/// A bundle (SPEC §11): what one sync exchange carries, in a file, for a site with no uplink
/// (M8). The same frames as the wire, and the blobs their ops refer to, between a header
/// and a checksum:
///
///     "FSBUNDLE"  then records, each  kind (u8) | length (u64, big-endian) | body
///       kind 1  header: JSON (FieldNode's `BundleHeader`), first and once, at most 8 MiB
///       kind 2  frame: one wire frame (§1), at most `WireLimits.maxFrameBytes`
///       kind 3  blob: its SHA-256 (32 bytes), then its bytes
///       kind 255 trailer: 32 bytes, the SHA-256 of every byte before the trailer's kind;
///                an answer's, 64: that SHA-256 and its seal, HMAC-SHA-256(the site's token, it)
///     and nothing after the trailer.
public enum BundleFormat {
    public static let magic: [UInt8] = Array("FSBUNDLE".utf8)
    public static let version = 1
    /// A header lists every blob (about 100 bytes each): room for tens of thousands.
    public static let maxHeaderBytes = 8 << 20

    public enum Kind: UInt8, Sendable {
        case header = 1
        case frame = 2
        case blob = 3
        case trailer = 255
    }

    /// A record's first nine bytes: its kind and its body's length.
    public static func recordHead(_ kind: Kind, length: UInt64) -> [UInt8] {
        [kind.rawValue] + (0..<8).map { UInt8(truncatingIfNeeded: length >> (56 - 8 * UInt64($0))) }
    }

    /// Reads a record head from nine bytes; nil for an unknown kind.
    public static func parseHead(_ bytes: some Collection<UInt8>) -> (kind: Kind, length: UInt64)? {
        guard bytes.count == 9, let kind = Kind(rawValue: bytes[bytes.startIndex]) else { return nil }
        let length = bytes.dropFirst().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return (kind, length)
    }
}
