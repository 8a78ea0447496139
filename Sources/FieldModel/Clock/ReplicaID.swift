/// The identity of one replica: an engineer's device, a depot node or central.
///
/// A replica id is chosen once, when the replica is created, and never reused: op ids
/// are only unique because no two replicas share one. Allowed characters are ASCII
/// letters, digits, `.`, `_` and `-`, from 1 to 64 of them, so an id is safe in file
/// names, URLs and logs and never contains the `@` that separates it in an ``OpID``.
public struct ReplicaID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Creates a replica id, or returns nil when `rawValue` is empty, too long or has a
    /// character outside `[A-Za-z0-9._-]`.
    public init?(_ rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public static func isValid(_ raw: String) -> Bool {
        let bytes = raw.utf8
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == 0x2E || b == 0x5F || b == 0x2D
        }
    }

    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    public var description: String { rawValue }
}
