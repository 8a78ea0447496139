import FieldModel
import FieldWire

/// The node's central store, whichever database holds it: one SQLite file for a depot or a
/// small central (``SQLiteNodeStore``), or PostgreSQL shared by several stateless nodes
/// (`PostgresNodeStore`, in FieldCentral).
///
/// Every method is async and never blocks Swift's cooperative pool: SQLite work runs on
/// ``BlockingWork``'s threads, PostgreSQL's on PostgresNIO's event loops. The request
/// handlers, the auth middleware and the admin commands see only this protocol, so a
/// behaviour is written once above it; what differs per backend is storage, and one
/// conformance suite (FieldCentralTests' `NodeStoreConformance`) holds both backends to the
/// same behaviour.
///
/// Split into facets, one per concern, so each can be read (and grown) on its own: tokens,
/// sync, the central replica's own writes and reads (``CentralStore``), and the engineers
/// each depot serves (``DepotStore``).
public typealias NodeStore = TokenStore & SyncStore & CentralStore & DepotStore

/// Bearer tokens: only their SHA-256 is kept (``NewToken``).
public protocol TokenStore: Sendable {
    /// Creates a token for `name` with `role`; returns the token, shown once and never stored.
    func createToken(name: String, role: Principal.Role, now: UInt64) async throws(StoreError) -> (token: String, record: TokenRecord)
    /// The principal a token belongs to; nil if unknown or revoked.
    func principal(forToken token: String) async throws(StoreError) -> Principal?
    /// Every token made, revoked ones too, oldest first.
    func tokens() async throws(StoreError) -> [TokenRecord]
    /// Revokes the token with id `id` (as `token list` shows it); returns how many it revoked.
    func revokeToken(id: String, now: UInt64) async throws(StoreError) -> Int
}

/// The op log as devices sync it: pushes in, pages out, and what a store restored from a
/// backup asks back (SPEC §9.4).
public protocol SyncStore: Sendable {
    /// Takes in a device's push in one transaction (``PushCheck`` first): new ops are
    /// stored and applied, ops on tickets outside the pusher's scope quarantined, what is
    /// held of each replica moves forward; on any refusal nothing changes. `vouchers` (one
    /// per op, SPEC §3.10) let a device give back ops this store served and then lost to a
    /// restore: each must be this store's under `voucherKey`.
    func ingest(
        _ ops: [Op], vouchers: [OpVoucher?]?, voucherKey: [UInt8], from pusher: Principal, replica: ReplicaID, now: UInt64,
        clockOffset: Int64?, maxAttachmentBytes: UInt64
    ) async throws(StoreError) -> IngestResult
    /// The key this store signs served ops with, made the first time and kept in the store
    /// (so a backup carries it); never sent or logged.
    func voucherKey() async throws(StoreError) -> [UInt8]
    /// A voucher for each of `ops` (about to be served), naming its replica's owner here.
    func vouchers(for ops: [Op], key: [UInt8]) async throws(StoreError) -> [OpVoucher?]
    /// The replicas of `have` of which the device holds ops past any this store holds,
    /// leaving out those `principal` owns or may claim: the store was restored from a backup
    /// and asks for them back first.
    func lacking(_ have: VersionVector, for principal: Principal) async throws(StoreError) -> [ReplicaID]
    /// The ops `principal` sees after `cursor` (opaque bytes this store gave out; empty for
    /// the start), at most `limit` in log order, with the whole history of every ticket that
    /// entered their scope within the page; none made by `requester`.
    func pull(for principal: Principal, requester: ReplicaID, cursor: [UInt8], limit: Int) async throws(StoreError) -> PulledPage
    /// Up to which counter every op of each replica is held (0: none).
    func held(of replicas: [ReplicaID]) async throws(StoreError) -> [ReplicaID: UInt64]
    /// The principal a replica belongs to; nil if no op of it was ever pushed.
    func owner(of replica: ReplicaID) async throws(StoreError) -> String?
    /// `replica`'s own ops from counter `from` on, at most `limit`, in counter order.
    func ownOps(of replica: ReplicaID, from: UInt64, limit: Int) async throws(StoreError) -> [Op]
    /// Every quarantined op, oldest first.
    func quarantine() async throws(StoreError) -> [QuarantinedOp]
    /// The last measured clock offset of each device (node minus device, ms).
    func clockOffsets() async throws(StoreError) -> [ReplicaID: Int64]
}

/// A page of a pull, its cursor opaque.
public struct PulledPage: Sendable, Hashable {
    public var ops: [Op]
    /// Where the next page starts, for the device to send back.
    public var cursor: [UInt8]
    public var more: Bool
    /// The cursor did not name this store's history: the page starts from the beginning.
    public var restarted: Bool
    /// Entities that left the puller's scope within the page (SPEC §3.11).
    public var left: [EntityID]

    /// The page size a store serves for a requested `limit`: at least one op, at most 10,000.
    public static func size(for limit: Int) -> Int { max(1, min(limit, 10_000)) }

    public init(ops: [Op], cursor: [UInt8], more: Bool, restarted: Bool = false, left: [EntityID] = []) {
        self.ops = ops
        self.cursor = cursor
        self.more = more
        self.restarted = restarted
        self.left = left
    }
}
