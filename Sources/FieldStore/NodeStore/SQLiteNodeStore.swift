import FieldModel
import FieldWire

/// The node's store in one SQLite file (a depot, or a central one box serves): the
/// ``ReplicaStore`` the node has always used, its blocking GRDB calls moved onto
/// ``BlockingWork``'s threads.
public struct SQLiteNodeStore: Sendable {
    public let store: ReplicaStore

    public init(_ store: ReplicaStore) { self.store = store }

    /// Runs `work` on the blocking pool; a failure that is not the store's own becomes a
    /// database error (the pool was shut down: the node is stopping).
    func blocking<T: Sendable>(_ work: @escaping @Sendable (ReplicaStore) throws(StoreError) -> T) async throws(StoreError) -> T {
        let store = store
        do {
            return try await BlockingWork.run { try work(store) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "the node's store could not be reached: \(error)", underlying: error)
        }
    }
}

extension SQLiteNodeStore: TokenStore {
    public func createToken(name: String, role: Principal.Role, now: UInt64) async throws(StoreError) -> (token: String, record: TokenRecord) {
        try await blocking { store throws(StoreError) in try store.createToken(name: name, role: role, now: now) }
    }

    public func principal(forToken token: String) async throws(StoreError) -> Principal? {
        try await blocking { store throws(StoreError) in try store.principal(forToken: token) }
    }

    public func tokens() async throws(StoreError) -> [TokenRecord] {
        try await blocking { store throws(StoreError) in try store.tokens() }
    }

    public func revokeToken(id: String, now: UInt64) async throws(StoreError) -> Int {
        try await blocking { store throws(StoreError) in try store.revokeToken(id: id, now: now) }
    }
}

extension SQLiteNodeStore: DepotStore {
    public func setDepotMember(depot: String, engineer: String, member: Bool, now: UInt64) async throws(StoreError) -> Bool {
        try await blocking { store throws(StoreError) in try store.setDepotMember(depot: depot, engineer: engineer, member: member, now: now) }
    }

    public func depotMembers(of depot: String) async throws(StoreError) -> [DepotMember] {
        try await blocking { store throws(StoreError) in try store.depotMembers(of: depot) }
    }

    public func setDepotRelay(parent: String, child: String, relayed: Bool, now: UInt64) async throws(StoreError) -> Bool {
        try await blocking { store throws(StoreError) in try store.setDepotRelay(parent: parent, child: child, relayed: relayed, now: now) }
    }

    public func depotTree(of depot: String) async throws(StoreError) -> DepotTree {
        try await blocking { store throws(StoreError) in try store.depotTree(of: depot) }
    }

    public func replicas(ownedBy depots: [String]) async throws(StoreError) -> [RelayedReplica] {
        try await blocking { store throws(StoreError) in try store.replicas(ownedBy: depots) }
    }

    public func claimRelayedReplicas(_ claims: [RelayedReplica], by depot: String) async throws(StoreError) -> [RelayedReplica.Refusal] {
        try await blocking { store throws(StoreError) in try store.claimRelayedReplicas(claims, by: depot) }
    }

    public func memberTokens(of depot: String) async throws(StoreError) -> [TokenHash] {
        try await blocking { store throws(StoreError) in try store.memberTokens(of: depot) }
    }

    public func depotTokens() async throws(StoreError) -> [TokenHash] {
        try await blocking { store throws(StoreError) in try store.depotTokens() }
    }
}

extension SQLiteNodeStore: SyncStore {
    public func ingest(
        _ ops: [Op], vouchers: [OpVoucher?]?, voucherKey: [UInt8], from pusher: Principal, replica: ReplicaID, now: UInt64,
        clockOffset: Int64?, maxAttachmentBytes: UInt64
    ) async throws(StoreError) -> IngestResult {
        try await blocking { store throws(StoreError) in
            try store.ingest(
                ops, vouchers: vouchers, voucherKey: voucherKey, from: pusher, replica: replica, now: now, clockOffset: clockOffset,
                maxAttachmentBytes: maxAttachmentBytes)
        }
    }

    public func voucherKey() async throws(StoreError) -> [UInt8] {
        try await blocking { store throws(StoreError) in try store.voucherKey() }
    }

    public func vouchers(for ops: [Op], key: [UInt8]) async throws(StoreError) -> [OpVoucher?] {
        try await blocking { store throws(StoreError) in try store.vouchers(for: ops, key: key) }
    }

    public func lacking(_ have: VersionVector, for principal: Principal) async throws(StoreError) -> [ReplicaID] {
        try await blocking { store throws(StoreError) in try store.lacking(have, for: principal) }
    }

    public func pull(for principal: Principal, requester: ReplicaID, cursor: [UInt8], limit: Int) async throws(StoreError) -> PulledPage {
        let position: NodeCursor
        if cursor.count == 17, cursor.first == 3 {
            // A PostgreSQL central's cursor (version 3: xid and seq): its data moved here, so
            // the device starts over. A check no position has makes the store say so.
            position = NodeCursor(seq: 0, check: 1)
        } else {
            do { position = try NodeCursor.decode(cursor) } catch { throw StoreError(.badCursor, "the pull's cursor was not made by this node: \(error)") }
        }
        return try await blocking { store throws(StoreError) in
            let page = try store.pull(
                for: principal, requester: requester, after: position.seq, check: position.check, limit: PulledPage.size(for: limit))
            return PulledPage(
                ops: page.ops, cursor: NodeCursor(seq: page.next, check: page.nextCheck).encode(), more: page.more, restarted: page.restarted,
                left: page.left)
        }
    }

    public func held(of replicas: [ReplicaID]) async throws(StoreError) -> [ReplicaID: UInt64] {
        try await blocking { store throws(StoreError) in try store.held(of: replicas) }
    }

    public func owner(of replica: ReplicaID) async throws(StoreError) -> String? {
        try await blocking { store throws(StoreError) in try store.owner(of: replica) }
    }

    public func ownOps(of replica: ReplicaID, from: UInt64, limit: Int) async throws(StoreError) -> [Op] {
        try await blocking { store throws(StoreError) in try store.ownOps(of: replica, from: from, limit: limit) }
    }

    public func quarantine() async throws(StoreError) -> [QuarantinedOp] {
        try await blocking { store throws(StoreError) in try store.quarantine() }
    }

    public func clockOffsets() async throws(StoreError) -> [ReplicaID: Int64] {
        try await blocking { store throws(StoreError) in try store.clockOffsets() }
    }
}
