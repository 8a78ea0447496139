import FieldModel
import FieldStore
import FieldWire
import PostgresNIO

/// What a central restored from a backup asks back (SPEC §9.4): the voucher key it signs
/// served ops with, kept in the database (a backup carries it), and what it lacks.
extension PostgresNodeStore {
    public func voucherKey() async throws(StoreError) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        let made = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let hex = made.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        // The first node to ask makes it; every other finds that one.
        let stored = try await guarded("reading the voucher key") {
            try await client.query(
                "INSERT INTO central_meta (name, value) VALUES ('voucher_key', \(hex)) ON CONFLICT (name) DO NOTHING", logger: logger)
            return try await client.query("SELECT value FROM central_meta WHERE name = 'voucher_key'", logger: logger)
                .decode(String.self).all().first
        }
        guard let stored, stored.count == 64, let key = Self.bytes(hex: stored) else {
            throw StoreError(.damaged, "the central's voucher key is missing or damaged: restore the database from its backup")
        }
        return key
    }

    public func vouchers(for ops: [Op], key: [UInt8]) async throws(StoreError) -> [OpVoucher?] {
        let names = Array(Set(ops.map(\.id.replica.rawValue)))
        let rows = try await guarded("reading replicas' owners") {
            try await client.query("SELECT replica, owner FROM replica_progress WHERE replica = ANY(\(names))", logger: logger)
                .decode((String, String).self).all()
        }
        let owners = Dictionary(rows, uniquingKeysWith: { first, _ in first })
        return ops.map { op in owners[op.id.replica.rawValue].map { OpVoucher(for: op, owner: $0, key: key) } }
    }

    public func lacking(_ have: VersionVector, for principal: Principal) async throws(StoreError) -> [ReplicaID] {
        var out: [ReplicaID] = []
        for (replica, counter) in have.sorted {
            let row = try await guarded("comparing what a device holds") {
                try await client.query(
                    """
                    SELECT coalesce((SELECT max(counter) FROM ops WHERE replica = \(replica.rawValue)), 0),
                           (SELECT owner FROM replica_progress WHERE replica = \(replica.rawValue))
                    """, logger: logger
                ).decode((Int64, String?).self).all().first
            }
            guard let (most, owner) = row, counter > UInt64(bitPattern: most) else { continue }
            if owner == principal.name { continue }
            // One the central lost that the pusher may claim (its engineer's own-named ids,
            // SPEC §9.3): it pushes them as its own.
            if owner == nil && principal.role == .engineer && principal.mayClaim(replica) { continue }
            out.append(replica)
        }
        return out
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}
