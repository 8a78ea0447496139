import FieldModel
import Foundation
import GRDB

/// A depot's sync state with its upstream (M8), kept per upstream: the cursor of its pulls
/// and what the upstream holds of each replica the depot relays, as the upstream's
/// `push-ack` said it (SPEC §3.4). What the depot sends up is every op past that, so a
/// resend after a cut link, or after the upstream was restored, changes nothing there.
enum UpstreamRows {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE upstream_state (
                    upstream TEXT PRIMARY KEY NOT NULL,
                    cursor BLOB NOT NULL,
                    last_sync_wall INTEGER,
                    last_error TEXT,
                    last_error_wall INTEGER
                ) WITHOUT ROWID;
                CREATE TABLE upstream_held (
                    upstream TEXT NOT NULL,
                    replica TEXT NOT NULL,
                    acked INTEGER NOT NULL,
                    PRIMARY KEY (upstream, replica)
                ) WITHOUT ROWID;
                """)
    }

    static func state(_ upstream: String, _ db: Database) throws -> UpstreamState {
        var state = UpstreamState()
        if let row = try Row.fetchOne(
            db, sql: "SELECT cursor, last_sync_wall, last_error, last_error_wall FROM upstream_state WHERE upstream = ?", arguments: [upstream])
        {
            state.cursor = [UInt8](row[0] as Data? ?? Data())
            state.lastSync = (row[1] as Int64?).map { UInt64(clamping: $0) }
            state.lastError = row[2]
            state.lastErrorAt = (row[3] as Int64?).map { UInt64(clamping: $0) }
        }
        for row in try Row.fetchAll(db, sql: "SELECT replica, acked FROM upstream_held WHERE upstream = ?", arguments: [upstream]) {
            if let replica = ReplicaID(row[0] as String) { state.held[replica] = UInt64(bitPattern: row[1] as Int64) }
        }
        return state
    }

    /// Every replica this store took pushes of (its own included) with what it holds of
    /// each: what a depot relays.
    static func relayed(_ db: Database) throws -> [ReplicaID: UInt64] {
        var out: [ReplicaID: UInt64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT replica, acked FROM replica_progress") {
            if let replica = ReplicaID(row[0] as String) { out[replica] = UInt64(bitPattern: row[1] as Int64) }
        }
        return out
    }
}

/// What a depot knows of its sync with one upstream (``ReplicaStore/upstreamState(_:)``).
public struct UpstreamState: Sendable, Hashable {
    /// Where its next pull starts (opaque, the upstream's); empty at first.
    public var cursor: [UInt8] = []
    /// What the upstream holds of each relayed replica, as it last said.
    public var held: [ReplicaID: UInt64] = [:]
    /// The last exchange that committed (Unix ms), and the last failure since.
    public var lastSync: UInt64?
    public var lastError: String?
    public var lastErrorAt: UInt64?
    /// What this store holds of each replica it relays (its own included): the `have` of
    /// its hello to the upstream.
    public var relayed: [ReplicaID: UInt64] = [:]

    public init() {}
}

extension ReplicaStore {
    /// The sync state with `upstream` (its URL as the depot was started with).
    public func upstreamState(_ upstream: String) throws(StoreError) -> UpstreamState {
        try read { db in
            var state = try UpstreamRows.state(upstream, db)
            state.relayed = try UpstreamRows.relayed(db)
            return state
        }
    }

    /// Ops to send up, at most `limit`: of every replica this store took pushes of (its own
    /// included, those `heldBack` not), those past what `upstream` holds, each replica's in
    /// counter order. Ops
    /// quarantined here go up too: the upstream decides their scope itself, and its
    /// counters must run on without a gap.
    public func opsForUpstream(_ upstream: String, limit: Int, excluding heldBack: Set<ReplicaID> = []) throws(StoreError) -> [Op] {
        try read { db in
            let held = try UpstreamRows.state(upstream, db).held
            var out: [Op] = []
            for (replica, acked) in try UpstreamRows.relayed(db).sorted(by: { $0.key < $1.key }) where !heldBack.contains(replica) {
                let up = held[replica] ?? 0
                guard acked > up, out.count < limit, up < UInt64(Int64.max) else { continue }
                let room = min(limit - out.count, Int(clamping: acked - up))
                let logged = try OpRows.ownOps(of: replica, from: up + 1, limit: room, db)
                let quarantined = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT 0 AS seq, replica, counter, wall, logical, subject, kind, payload FROM quarantine
                            WHERE replica = ? AND counter > ? ORDER BY counter LIMIT ?
                            """), arguments: [replica.rawValue, Int64(bitPattern: up), room]
                ).map(OpRows.decode)
                out += (logged + quarantined).sorted { $0.id.counter < $1.id.counter }.prefix(room).filter { $0.id.counter <= acked }
            }
            return out
        }
    }

    /// For each replica this store relays that `upstream` acknowledged (those `excluding`
    /// not), the last op it acknowledged, at most `limit`: pushed again after the upstream
    /// restarted, its push-ack says what it holds now. One restored from a backup holds
    /// less, and the relay sends it the rest (SPEC §3.4), even of replicas with nothing new.
    public func lastAcknowledgedOps(_ upstream: String, excluding: Set<ReplicaID>, limit: Int) throws(StoreError) -> [Op] {
        try read { db in
            var out: [Op] = []
            for (replica, acked) in try UpstreamRows.state(upstream, db).held.sorted(by: { $0.key < $1.key })
            where acked > 0 && acked < UInt64(Int64.max) && !excluding.contains(replica) && out.count < limit {
                let logged = try OpRows.ownOps(of: replica, from: acked, limit: 1, db)
                let quarantined = try Row.fetchAll(
                    db.cachedStatement(
                        sql: "SELECT 0 AS seq, replica, counter, wall, logical, subject, kind, payload FROM quarantine WHERE replica = ? AND counter = ?"),
                    arguments: [replica.rawValue, Int64(bitPattern: acked)]
                ).map(OpRows.decode)
                if let op = (logged + quarantined).first(where: { $0.id.counter == acked }) { out.append(op) }
            }
            return out
        }
    }

    /// Every upstream this store has synced with or tried to, with its state and backlog.
    public func upstreams() throws(StoreError) -> [(url: String, state: UpstreamState, backlog: UInt64)] {
        let urls = try read { db in try String.fetchAll(db, sql: "SELECT upstream FROM upstream_state ORDER BY upstream") }
        var out: [(url: String, state: UpstreamState, backlog: UInt64)] = []
        for url in urls { out.append((url, try upstreamState(url), try upstreamBacklog(url))) }
        return out
    }

    /// How many ops wait to go up to `upstream`.
    public func upstreamBacklog(_ upstream: String) throws(StoreError) -> UInt64 {
        try read { db in
            let held = try UpstreamRows.state(upstream, db).held
            return try UpstreamRows.relayed(db).reduce(UInt64(0)) { sum, entry in sum &+ (entry.value > (held[entry.key] ?? 0) ? entry.value - (held[entry.key] ?? 0) : 0) }
        }
    }

    /// Commits one exchange with `upstream` in one transaction: the pulled page's ops
    /// (applied as ops from elsewhere), the cursor after them, and what the upstream now
    /// holds (`acked`, its push-ack). What it says it holds is capped at what this store
    /// holds: an upstream claiming ops never made (confused or hostile) must not make the
    /// depot skip them when they come.
    @discardableResult
    public func commitUpstreamPage(_ upstream: String, ops: [Op], cursor: [UInt8], acked: [ReplicaID: UInt64], now: UInt64) throws(StoreError) -> ApplyResult {
        try apply(ops, now: now) { db in
            let relayed = try UpstreamRows.relayed(db)
            for (replica, claimed) in acked {
                guard let held = relayed[replica] else { continue }
                try db.execute(
                    sql: """
                        INSERT INTO upstream_held (upstream, replica, acked) VALUES (?, ?, ?)
                        ON CONFLICT (upstream, replica) DO UPDATE SET acked = excluded.acked
                        """, arguments: [upstream, replica.rawValue, Int64(bitPattern: min(claimed, held))])
            }
            try db.execute(
                sql: """
                    INSERT INTO upstream_state (upstream, cursor, last_sync_wall, last_error, last_error_wall) VALUES (?, ?, ?, NULL, NULL)
                    ON CONFLICT (upstream) DO UPDATE SET cursor = excluded.cursor, last_sync_wall = excluded.last_sync_wall,
                        last_error = NULL, last_error_wall = NULL
                    """, arguments: [upstream, Data(cursor), Int64(clamping: now)])
        }
    }

    /// Follows the engineers `upstream` lists as this depot's (sorted, deduplicated): when one
    /// is new, the pull starts again from the beginning, so the tickets they bring into the
    /// depot's scope arrive whole (a ticket enters a depot's scope when it entered its first
    /// member's: a member added later brings tickets that entered long before the cursor). Returns whether it started again. The first list
    /// seen is taken as it is: the depot pulled nothing yet, or pulled all of central before
    /// depots had scopes.
    @discardableResult
    public func followUpstreamMembers(_ upstream: String, _ members: [String]) throws(StoreError) -> Bool {
        let list = Array(Set(members)).sorted()
        let text = list.joined(separator: "\n")
        return try write { db in
            let known = try String?.fetchOne(db, sql: "SELECT members FROM upstream_state WHERE upstream = ?", arguments: [upstream]) ?? nil
            let before = Set(known.map { $0.split(separator: "\n").map(String.init) } ?? [])
            let restart = known != nil && !Set(list).isSubset(of: before)
            try db.execute(
                sql: """
                    INSERT INTO upstream_state (upstream, cursor, members) VALUES (?, X'', ?)
                    ON CONFLICT (upstream) DO UPDATE SET members = excluded.members,
                        cursor = CASE WHEN ? THEN X'' ELSE upstream_state.cursor END
                    """, arguments: [upstream, text, restart])
            return restart
        }
    }

    /// When the newest bundle answer taken in from `upstream` was written (its `created`).
    public func bundleAnswered(_ upstream: String) throws(StoreError) -> UInt64? {
        try read { db in
            (try Int64?.fetchOne(db, sql: "SELECT bundle_answered FROM upstream_state WHERE upstream = ?", arguments: [upstream]) ?? nil)
                .map { UInt64(clamping: $0) }
        }
    }

    /// Records a bundle answer from `upstream` written at `created`, if newer than the last.
    public func noteBundleAnswered(_ upstream: String, created: UInt64) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO upstream_state (upstream, cursor, bundle_answered) VALUES (?, X'', ?)
                    ON CONFLICT (upstream) DO UPDATE SET bundle_answered = MAX(COALESCE(upstream_state.bundle_answered, 0), excluded.bundle_answered)
                    """, arguments: [upstream, Int64(clamping: created)])
        }
    }

    /// Records why the last exchange with `upstream` failed (shown by status and metrics).
    public func noteUpstreamError(_ upstream: String, _ message: String, now: UInt64) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO upstream_state (upstream, cursor, last_error, last_error_wall) VALUES (?, X'', ?, ?)
                    ON CONFLICT (upstream) DO UPDATE SET last_error = excluded.last_error, last_error_wall = excluded.last_error_wall
                    """, arguments: [upstream, String(message.prefix(500)), Int64(clamping: now)])
        }
    }
}
