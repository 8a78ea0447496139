/// A ticket (work order), as derived from its ops.
///
/// Every part of the state is keyed by the op that made it, so applying an op twice
/// changes nothing and applying ops in any order gives the same state; ``merge(_:)`` is
/// the union of two states. Views (`status`, `timeline`, `notes`, `parts`, `conflicts`)
/// are derived from that state on demand.
///
/// ```swift
/// var ticket = Ticket(id: id)
/// for op in ops { ticket.apply(op) }
/// print(ticket.status, ticket.conflicts)
/// ```
public struct Ticket: Hashable, Sendable {
    public let id: TicketID
    /// The op that created the ticket, once it has arrived.
    public internal(set) var createdBy: OpID?
    var registers: [String: Register] = [:]
    var events: [OpID: TimelineEvent] = [:]
    /// Timeline event ids named in some event's `after`: not heads.
    var superseded: Set<OpID> = []
    var noteEntries: [OpID: NoteEntry] = [:]
    var partEntries: [OpID: PartLineEntry] = [:]
    var removedLines: Set<OpID> = []
    var attachmentEntries: [OpID: AttachmentEntry] = [:]

    public init(id: TicketID) { self.id = id }

    /// The register of `field`, empty if never written.
    public func register(_ field: String) -> Register { registers[field] ?? Register() }

    /// The shown value of `field`, nil if never written.
    public func value(_ field: String) -> String? { registers[field]?.winner?.value }

    /// Names of every field ever written, sorted.
    public var fieldNames: [String] { registers.keys.sorted() }

    /// Every timeline event, in clock order.
    public var timeline: [TimelineEvent] { events.values.sorted { $0.stamp < $1.stamp } }

    /// The latest events: those no other event was recorded after. More than one means
    /// concurrent steps.
    public var timelineHeads: [TimelineEvent] {
        events.values.filter { !superseded.contains($0.id) }.sorted { $0.stamp > $1.stamp }
    }

    /// The derived status: that of the latest head (see ``conflicts`` when heads disagree).
    public var status: TicketStatus { timelineHeads.first?.status ?? .unknown }

    /// Notes in clock order.
    public var notes: [NoteEntry] { noteEntries.values.sorted { $0.stamp < $1.stamp } }

    /// Part lines in use (added and not removed), in clock order.
    public var parts: [PartLineEntry] {
        partEntries.values.filter { !removedLines.contains($0.id) }.sorted { $0.stamp < $1.stamp }
    }

    /// Attachments in clock order.
    public var attachments: [AttachmentEntry] { attachmentEntries.values.sorted { $0.stamp < $1.stamp } }

    /// Everything waiting for a person: concurrent field values and contradictory
    /// concurrent lifecycle steps. Sorted by field name, `status` among them.
    public var conflicts: [Conflict] {
        var out: [Conflict] = []
        for (name, register) in registers where register.isConflicted {
            out.append(.field(name: name, values: register.values))
        }
        let heads = timelineHeads
        if Set(heads.map(\.status)).count > 1 { out.append(.lifecycle(events: heads)) }
        return out.sorted { $0.subject < $1.subject }
    }
}
