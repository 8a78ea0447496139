import FieldModel

/// The `scope-left` message (type 0x09, Protocol/SPEC.md §3.11): entities that left the
/// puller's scope within the pull page before it (an article retired, or one no ticket
/// on the device fits any more; revoked tickets next). The device purges each: its rows,
/// its search entries, its cached blobs, and the ops of it that are not its own.
///
/// A message of its own, like op-checksums, so version-1 readers skip it by its length
/// (SPEC §3.8); it travels as ``WireMessage/unknown(type:body:)``.
public struct ScopeLeft: Hashable, Sendable {
    public static let typeCode: UInt8 = 0x09  // SPEC §3.11
    /// Most ids one message lists (as many as a page holds ops).
    public static let maxEntities = WireLimits.maxOpsPerMessage

    public var entities: [EntityID]

    public init(_ entities: [EntityID]) { self.entities = entities }

    /// The message as it goes into a frame.
    public var message: WireMessage {
        var w = WireWriter(capacity: 2 + entities.count * 24)
        w.varint(UInt64(entities.count))
        for e in entities { w.string(e.rawValue) }
        return .unknown(type: Self.typeCode, body: w.bytes)
    }

    /// Reads a scope-left message; nil if `message` is of another type.
    public init?(_ message: WireMessage) throws(WireError) {
        guard case .unknown(Self.typeCode, let body) = message else { return nil }
        var r = WireReader(body)
        let count = try r.count(max: Self.maxEntities, "scope-left count")
        // Each id takes at least two bytes (a length and one byte): a count past that is a lie.
        guard count <= r.remaining / 2 else {
            throw WireError(.truncated, "scope-left lists \(count) entities in \(r.remaining) bytes")
        }
        var entities: [EntityID] = []
        entities.reserveCapacity(count)
        for _ in 0..<count {
            let raw = try r.string(max: 128)
            guard let id = EntityID(raw) else { throw WireError(.malformed, "scope-left names an invalid entity id") }
            entities.append(id)
        }
        guard r.remaining == 0 else { throw WireError(.malformed, "scope-left has \(r.remaining) bytes after its last id") }
        self.entities = entities
    }

    /// The scope-left message among `messages`, if any.
    public static func find(in messages: [WireMessage]) throws(WireError) -> ScopeLeft? {
        for m in messages { if let left = try ScopeLeft(m) { return left } }
        return nil
    }
}
