import FieldModel

/// One row of the ticket list: what `fieldsync tickets` shows without loading ops.
public struct TicketSummary: Sendable, Hashable, Codable {
    public let id: String
    public let status: String
    public let assignee: String
    public let customer: String
    public let site: String
    public let deviceModel: String
    public let priority: String
    public let conflicts: Int
    public let updatedAt: UInt64
    public let digest: String

    public init(_ t: Ticket) {
        id = t.id.rawValue
        status = t.status.rawValue
        assignee = t.value(Field.assignee) ?? ""
        customer = t.value(Field.customer) ?? ""
        site = t.value(Field.site) ?? ""
        deviceModel = t.value(Field.deviceModel) ?? ""
        priority = t.value(Field.priority) ?? ""
        conflicts = t.conflicts.count
        updatedAt = t.timeline.last?.stamp.wallMillis ?? 0
        digest = Self.digest(of: t).hex
    }

    package init(id: String, status: String, assignee: String, customer: String, site: String, deviceModel: String,
         priority: String, conflicts: Int, updatedAt: UInt64, digest: String) {
        self.id = id
        self.status = status
        self.assignee = assignee
        self.customer = customer
        self.site = site
        self.deviceModel = deviceModel
        self.priority = priority
        self.conflicts = conflicts
        self.updatedAt = updatedAt
        self.digest = digest
    }
}

extension TicketSummary {
    /// The ticket's ``Ticket/digest`` (SHA-256 of its canonical bytes), hashed by libcrypto (``BlobHasher``):
    /// every push rewrites the rows of the tickets it touches, each with the digest of its
    /// whole state, and the model's pure-Swift SHA-256 was a large share of a node's ingest.
    static func digest(of ticket: Ticket) -> Digest {
        BlobHasher.digest(of: ticket.canonicalBytes)
    }
}
