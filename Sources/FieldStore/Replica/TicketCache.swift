import FieldModel
import Synchronization

/// Tickets this process derived lately, each with the op log position (`seq`) it was
/// derived up to. A ticket is brought up to date by applying only the ops stored after
/// that position, so it stays correct when another process (an admin command beside a
/// running node) writes to the same file. Updated only after a transaction commits.
final class TicketCache: Sendable {
    struct Entry: Sendable {
        let ticket: Ticket
        let seq: Int64
    }

    private let entries = Mutex<[TicketID: Entry]>([:])
    /// Beyond this many tickets the cache starts over: a bound on memory, not a policy.
    static let capacity = 20_000

    func get(_ id: TicketID) -> Entry? { entries.withLock { $0[id] } }

    /// Forgets `ids`: their log changed under them (a restored replica's rebase), so an
    /// entry could be ahead of what the log now derives.
    func remove(_ ids: some Sequence<TicketID>) {
        entries.withLock { map in for id in ids { map[id] = nil } }
    }

    func put(_ updated: [TicketID: Entry]) {
        entries.withLock { map in
            if map.count + updated.count > Self.capacity { map.removeAll(keepingCapacity: true) }
            map.merge(updated) { old, new in new.seq >= old.seq ? new : old }
        }
    }
}
