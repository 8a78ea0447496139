import FieldStore
import Foundation

/// `fieldsync-node depot …` on either backend, at central: which engineers a depot serves
/// (M8). A depot relays its engineers' devices' ops; their replicas stay the engineers', so
/// a device syncs at its depot, at central or at another depot with nothing refused.
public struct DepotAdmin: Sendable {
    let store: any DepotStore
    let clock: @Sendable () -> UInt64

    public init(_ store: any DepotStore, clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }) {
        self.store = store
        self.clock = clock
    }

    /// Adds `engineer` to `depot`; false when they were a member already.
    public func add(depot: String, engineer: String) async throws -> Bool {
        try await store.setDepotMember(depot: depot, engineer: engineer, member: true, now: clock())
    }

    /// Removes `engineer` from `depot`: the depot serves them no more, and may still relay
    /// what it took from them before.
    public func remove(depot: String, engineer: String) async throws {
        guard try await store.setDepotMember(depot: depot, engineer: engineer, member: false, now: clock()) else {
            throw NodeError.notFound("\(engineer) is not an engineer of depot \(depot): `fieldsync-node depot members \(depot)` lists them")
        }
    }

    /// The engineers `depot` serves or served, its sub-depots' included.
    public func members(of depot: String) async throws -> [DepotMember] {
        try DepotMember.checkNames(depot: depot, engineer: "-")
        return try await store.depotMembers(of: depot)
    }

    /// Lets `parent` relay `child` (its upstream is `parent`); false when it did already.
    public func addRelay(parent: String, child: String) async throws -> Bool {
        try await store.setDepotRelay(parent: parent, child: child, relayed: true, now: clock())
    }

    /// `parent` relays `child` no more; what it took from it before still reaches central.
    public func removeRelay(parent: String, child: String) async throws {
        guard try await store.setDepotRelay(parent: parent, child: child, relayed: false, now: clock()) else {
            throw NodeError.notFound("depot \(parent) does not relay \(child): `fieldsync-node depot relays \(parent)` lists what it relays")
        }
    }

    /// The depots `depot` relays now, at any depth.
    public func relayed(by depot: String) async throws -> [String] {
        try DepotMember.checkNames(depot: depot, engineer: "-")
        return try await store.depotTree(of: depot).relayed(by: depot)
    }
}
