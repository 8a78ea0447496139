import FieldModel

/// The `op-checksums` message (type 0x07, Protocol/SPEC.md §3.9): one ``OpChecksum`` per
/// op of the push or pull-page before it in the frame, in order, so the receiver can
/// check every op it decoded against what its sender stored, and name the one that was
/// damaged (at the sender, or on the way past zstd and TCP) before storing anything.
///
/// It is a message of its own rather than a field of push or pull-page because version-1
/// readers must keep reading frames from us: an older peer skips an unknown message type
/// by its length (SPEC §3.8), while new fields inside an op batch would be `malformed`
/// to it. For the same reason it travels as ``WireMessage/unknown(type:body:)``: the
/// frame codec and every `switch` over ``WireMessage`` stay as they were, and this type
/// encodes and reads the body. A push or pull-page with no op-checksums after it (an
/// older peer) is taken unchecked.
///
/// A sender calls ``attach(to:)`` on the messages it is about to frame; a receiver calls
/// ``verify(_:)`` on the decoded messages before it stores any op of them.
public struct OpChecksums: Hashable, Sendable {
    /// The message type on the wire.
    public static let typeCode: UInt8 = 0x07  // SPEC §3.9

    /// Which message's ops these are: `.push` or `.pullPage`.
    public var covers: WireMessage.TypeCode
    public var checksums: [OpChecksum]

    public init(covers: WireMessage.TypeCode, checksums: [OpChecksum]) {
        self.covers = covers
        self.checksums = checksums
    }

    /// The checksums of `ops`, for the push or pull-page (`covers`) that carries them.
    public static func make(for ops: [Op], covering covers: WireMessage.TypeCode) -> OpChecksums {
        OpChecksums(covers: covers, checksums: ops.map(\.checksum))
    }

    /// The message as it goes into a frame.
    public var message: WireMessage {
        var w = WireWriter(capacity: 2 + checksums.count * 4)
        w.byte(covers.rawValue)
        w.varint(UInt64(checksums.count))
        for c in checksums {
            w.raw([UInt8(c.rawValue >> 24), UInt8(truncatingIfNeeded: c.rawValue >> 16),
                   UInt8(truncatingIfNeeded: c.rawValue >> 8), UInt8(truncatingIfNeeded: c.rawValue)])
        }
        return .unknown(type: Self.typeCode, body: w.bytes)
    }

    /// Reads an op-checksums message; nil if `message` is of another type.
    public init?(_ message: WireMessage) throws(WireError) {
        guard case .unknown(Self.typeCode, let body) = message else { return nil }
        var r = WireReader(body)
        let covers = try r.byte()
        guard covers == WireMessage.TypeCode.push.rawValue || covers == WireMessage.TypeCode.pullPage.rawValue else {
            throw WireError(.malformed, "op-checksums covers message type \(covers); only push (2) and pull-page (5) carry ops")
        }
        let count = try r.count(max: WireLimits.maxOpsPerMessage, "op-checksums count")
        guard count <= r.remaining / 4 else {
            throw WireError(.truncated, "op-checksums lists \(count) checksums in \(r.remaining) bytes (4 each)")
        }
        var checksums: [OpChecksum] = []
        checksums.reserveCapacity(count)
        for _ in 0..<count {
            let b = try r.raw(4)
            checksums.append(OpChecksum(rawValue: UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])))
        }
        // Bytes after the checksums are fields of a newer version (SPEC §3.8): ignored.
        self.init(covers: WireMessage.TypeCode(rawValue: covers)!, checksums: checksums)
    }

    /// `messages` with an op-checksums message after each push and pull-page: what a
    /// sender frames.
    public static func attach(to messages: [WireMessage]) -> [WireMessage] {
        var out: [WireMessage] = []
        out.reserveCapacity(messages.count + 1)
        for m in messages {
            out.append(m)
            switch m {
            case .push(let p): out.append(make(for: p.ops, covering: .push).message)
            case .pullPage(let p): out.append(make(for: p.ops, covering: .pullPage).message)
            default: break
            }
        }
        return out
    }

    /// Checks every op of every push and pull-page in `messages` (a decoded frame)
    /// against the op-checksums message that follows it, if any: each op-checksums
    /// covers the last message of its `covers` type before it. Throws `malformed`
    /// naming the first op whose content does not match, or for checksums that cover no
    /// message or list another number of ops; a push or pull-page with none after it
    /// (from a peer that predates them) passes unchecked.
    public static func verify(_ messages: [WireMessage]) throws(WireError) {
        var lastPush: [Op]?
        var lastPage: [Op]?
        for m in messages {
            switch m {
            case .push(let p): lastPush = p.ops
            case .pullPage(let p): lastPage = p.ops
            default:
                guard let sums = try OpChecksums(m) else { continue }
                guard let ops = sums.covers == .push ? lastPush : lastPage else {
                    throw WireError(.malformed, "op-checksums for a \(sums.covers == .push ? "push" : "pull-page") that is not before it in the frame")
                }
                try sums.verify(ops)
            }
        }
    }

    /// Checks `ops` against the checksums of `message` (an op-checksums message, or nil
    /// when the sender sent none: then they pass unchecked).
    public static func verify(_ ops: [Op], against message: WireMessage?) throws(WireError) {
        guard let message else { return }
        guard let sums = try OpChecksums(message) else {
            throw WireError(.malformed, "expected an op-checksums message (type 7), got another type")
        }
        try sums.verify(ops)
    }

    /// Checks `ops` against these checksums, in order.
    public func verify(_ ops: [Op]) throws(WireError) {
        guard ops.count == checksums.count else {
            throw WireError(.malformed, "op-checksums lists \(checksums.count) checksums for \(ops.count) ops")
        }
        for (op, expected) in zip(ops, checksums) {
            let actual = op.checksum
            if actual != expected {
                throw WireError(
                    .malformed,
                    "op \(op.id) does not match the checksum its sender sent (\(expected), its content gives \(actual)): it was damaged at the sender or on the way, and was not stored")
            }
        }
    }
}

extension Op {
    /// This op's checksum (``OpChecksum``) over its self-contained payload.
    public var checksum: OpChecksum { OpChecksum(self, payload: OpPayloadCodec.encode(body)) }
}
