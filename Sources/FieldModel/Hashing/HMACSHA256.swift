/// HMAC-SHA-256 (RFC 2104) over ``SHA256``: what a node signs the ops it serves with
/// (`OpVoucher` in FieldWire, SPEC §3.10).
public struct HMACSHA256: Sendable {
    private var inner = SHA256()
    private let outerKey: [UInt8]

    /// Keys longer than the 64-byte block are hashed first, as RFC 2104 says.
    public init(key: [UInt8]) {
        var block = key.count > 64 ? SHA256.hash(key).bytes : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        outerKey = block.map { $0 ^ 0x5c }
        inner.update(block.map { $0 ^ 0x36 })
    }

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 { inner.update(bytes) }

    public consuming func finalize() -> [UInt8] {
        var outer = SHA256()
        outer.update(outerKey)
        outer.update(inner.finalize().bytes)
        return outer.finalize().bytes
    }

    /// The MAC of `message` under `key`, in one go.
    public static func mac<C: Collection>(_ message: C, key: [UInt8]) -> [UInt8] where C.Element == UInt8 {
        var h = HMACSHA256(key: key)
        h.update(message)
        return h.finalize()
    }
}
