import FieldModel

/// A node's voucher for one op it served (SPEC §3.10): HMAC-SHA-256, cut to 16 bytes,
/// under a key only the node holds, over the op's canonical bytes and the principal that
/// owns the op's replica at the node.
///
/// A device keeps the vouchers of the ops it pulls. When its node is restored from a
/// backup and has lost ops the device holds (another device's, or central's own), the
/// device gives them back with their vouchers, and the node takes them from it although
/// they are not the device's own: the voucher proves the node had them before, and from
/// whom. Without one, a device could push ops under any replica it has seen.
public struct OpVoucher: Hashable, Sendable {
    public static let macBytes = 16

    /// The principal that owns the op's replica at the node (`@self` for the node's own).
    public var owner: String
    public var mac: [UInt8]

    public init(owner: String, mac: [UInt8]) {
        self.owner = owner
        self.mac = mac
    }

    /// The voucher for `op` owned by `owner`, under the node's `key`.
    public init(for op: Op, owner: String, key: [UInt8]) {
        var w = WireWriter(capacity: 128)
        w.string("fieldsync-op-voucher-1")
        w.string(owner)
        w.string(op.id.replica.rawValue)
        w.varint(op.id.counter)
        w.varint(op.stamp.wallMillis)
        w.varint(UInt64(op.stamp.logical))
        w.string(op.subject.rawValue)
        w.varint(op.body.kind.rawValue)
        let payload = OpPayloadCodec.encode(op.body)
        w.varint(UInt64(payload.count))
        w.raw(payload)
        self.init(owner: owner, mac: Array(HMACSHA256.mac(w.bytes, key: key).prefix(Self.macBytes)))
    }

    /// Whether this voucher is the node's for `op` (compared in constant time).
    public func vouches(for op: Op, key: [UInt8]) -> Bool {
        let expected = OpVoucher(for: op, owner: owner, key: key).mac
        guard mac.count == expected.count else { return false }
        return zip(mac, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// The `op-vouchers` message (type 0x08, SPEC §3.10): one optional ``OpVoucher`` per op
/// of the push or pull-page before it in the frame, in order. Like ``OpChecksums`` it is
/// a message of its own, so older peers skip it by its length.
public struct OpVouchers: Hashable, Sendable {
    public static let typeCode: UInt8 = 0x08  // SPEC §3.10

    /// Which message's ops these are: `.push` or `.pullPage`.
    public var covers: WireMessage.TypeCode
    /// One per op, nil for an op without a voucher.
    public var vouchers: [OpVoucher?]

    public init(covers: WireMessage.TypeCode, vouchers: [OpVoucher?]) {
        self.covers = covers
        self.vouchers = vouchers
    }

    /// The message as it goes into a frame: the owners once each, then per op the index
    /// of its owner plus one (0: no voucher) and the MAC.
    public var message: WireMessage {
        var owners: [String] = []
        var index: [String: Int] = [:]
        for v in vouchers.compactMap({ $0 }) where index[v.owner] == nil {
            index[v.owner] = owners.count
            owners.append(v.owner)
        }
        var w = WireWriter(capacity: 4 + vouchers.count * (OpVoucher.macBytes + 1))
        w.byte(covers.rawValue)
        w.varint(UInt64(owners.count))
        for o in owners { w.string(o) }
        w.varint(UInt64(vouchers.count))
        for v in vouchers {
            guard let v else {
                w.varint(0)
                continue
            }
            w.varint(UInt64(index[v.owner]! + 1))
            w.raw(v.mac)
        }
        return .unknown(type: Self.typeCode, body: w.bytes)
    }

    /// Reads an op-vouchers message; nil if `message` is of another type.
    public init?(_ message: WireMessage) throws(WireError) {
        guard case .unknown(Self.typeCode, let body) = message else { return nil }
        var r = WireReader(body)
        let covers = try r.byte()
        guard covers == WireMessage.TypeCode.push.rawValue || covers == WireMessage.TypeCode.pullPage.rawValue else {
            throw WireError(.malformed, "op-vouchers covers message type \(covers); only push (2) and pull-page (5) carry ops")
        }
        let ownerCount = try r.count(max: WireLimits.maxOpsPerMessage, "op-vouchers owner count")
        guard ownerCount <= r.remaining else {
            throw WireError(.truncated, "op-vouchers lists \(ownerCount) owners in \(r.remaining) bytes")
        }
        var owners: [String] = []
        for _ in 0..<ownerCount { owners.append(try r.string(max: WireLimits.maxPrincipalBytes)) }
        let count = try r.count(max: WireLimits.maxOpsPerMessage, "op-vouchers count")
        guard count <= r.remaining else {
            throw WireError(.truncated, "op-vouchers lists \(count) vouchers in \(r.remaining) bytes")
        }
        var vouchers: [OpVoucher?] = []
        vouchers.reserveCapacity(count)
        for _ in 0..<count {
            let i = try r.varint()
            if i == 0 {
                vouchers.append(nil)
                continue
            }
            guard i <= UInt64(owners.count) else {
                throw WireError(.malformed, "op-vouchers names owner \(i) of \(owners.count)")
            }
            vouchers.append(OpVoucher(owner: owners[Int(i - 1)], mac: try r.raw(OpVoucher.macBytes)))
        }
        // Bytes after the vouchers are fields of a newer version (SPEC §3.8): ignored.
        self.init(covers: WireMessage.TypeCode(rawValue: covers)!, vouchers: vouchers)
    }

    /// The vouchers that go with the push or pull-page of `messages` (a decoded frame),
    /// one per op in order; nil when the frame has none for it. Throws `malformed` if the
    /// vouchers list another number of ops.
    public static func find(for covers: WireMessage.TypeCode, in messages: [WireMessage]) throws(WireError) -> [OpVoucher?]? {
        var ops: Int?
        var found: [OpVoucher?]?
        for m in messages {
            switch m {
            case .push(let p) where covers == .push: ops = p.ops.count
            case .pullPage(let p) where covers == .pullPage: ops = p.ops.count
            default:
                if let v = try OpVouchers(m), v.covers == covers { found = v.vouchers }
            }
        }
        guard let found else { return nil }
        guard found.count == ops else {
            throw WireError(.malformed, "op-vouchers lists \(found.count) vouchers for \(ops ?? 0) ops")
        }
        return found
    }
}
