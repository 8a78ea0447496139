/// Where a reader of the central op log is: past every op of transactions before `xid`, and
/// of transaction `xid` up to `seq`. Opaque to clients (``encoded``): a device stores the
/// bytes and sends them back.
///
/// Why a pair and not a sequence number: with several nodes writing, a sequence value taken
/// in one transaction can become visible after a higher one taken in another. A cursor of
/// "seq > N" then steps over the late op for ever. Ops are read in (xid, seq) order and only
/// once their transaction is older than every transaction still running (``OpLog``), so
/// nothing can appear behind a cursor after it passed.
public struct OpLogCursor: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The writing transaction's id (`xid8`: 64 bits, never wraps).
    public let xid: UInt64
    public let seq: Int64

    /// Before every op.
    public static let start = OpLogCursor(xid: 0, seq: 0)

    /// The bytes' first: a later layout gets another. 1 and 2 are a SQLite node's
    /// (`NodeCursor`): a device that synced with one before its central moved to PostgreSQL
    /// sends one, and starts over (``PostgresNodeStore/pull(for:requester:cursor:limit:)``).
    public static let version: UInt8 = 3

    public init(xid: UInt64, seq: Int64) {
        self.xid = xid
        self.seq = seq
    }

    /// 17 bytes: the version, then xid and seq big-endian.
    public var encoded: [UInt8] {
        var out: [UInt8] = [Self.version]
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: xid >> UInt64(shift))) }
        let s = UInt64(bitPattern: seq)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: s >> UInt64(shift))) }
        return out
    }

    /// Decodes ``encoded``; an empty cursor is ``start``. Anything else is refused.
    public init(encoded bytes: [UInt8]) throws(CentralError) {
        if bytes.isEmpty {
            self = .start
            return
        }
        guard bytes.count == 17, bytes[0] == Self.version else {
            throw CentralError(.badCursor, "the sync cursor is not one this node gave out: sync again from the start")
        }
        var xid: UInt64 = 0
        var seq: UInt64 = 0
        for b in bytes[1..<9] { xid = xid << 8 | UInt64(b) }
        for b in bytes[9..<17] { seq = seq << 8 | UInt64(b) }
        guard seq <= UInt64(Int64.max) else {
            throw CentralError(.badCursor, "the sync cursor is not one this node gave out: sync again from the start")
        }
        self.init(xid: xid, seq: Int64(seq))
    }

    public static func < (a: OpLogCursor, b: OpLogCursor) -> Bool { (a.xid, a.seq) < (b.xid, b.seq) }

    public var description: String { "\(xid)/\(seq)" }
}
