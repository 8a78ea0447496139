import FieldModel

/// Whether one signature still matches the ticket's current work summary.
public struct SignatureCheck: Sendable, Codable, Hashable {
    public let signer: String
    public let signedAt: String
    public let attachment: String
    public let matches: Bool
    /// What changed since signing, in words (empty when it matches).
    public let changes: [String]

    /// One line for a terminal: whether it matches and, if not, what changed.
    public var line: String {
        matches
            ? "✓ signature of \(signer) (\(signedAt)) matches the work summary"
            : "✗ signature of \(signer) (\(signedAt)) does NOT match: changed after signing: " + changes.joined(separator: "; ")
    }
}

extension SignatureCheck {
    /// Checks each signature on `ticket` against the canonical work summary of the ticket as
    /// it stands. When one no longer matches, the summary at signing time is rebuilt from
    /// `ops` (the ticket's) stamped before the signature, to say what changed.
    public static func checks(of t: Ticket, ops: [Op]) -> [SignatureCheck] {
        let signatures = t.attachments.filter { $0.attachment.signature != nil }
        guard !signatures.isEmpty else { return [] }
        let current = WorkSummary(ticket: t)
        return signatures.compactMap { entry in
            guard let sig = entry.attachment.signature else { return nil }
            let matches = current.sha256 == sig.summarySHA256
            var changes: [String] = []
            if !matches {
                var then = Ticket(id: t.id)
                for op in ops where op.stamp < entry.stamp { then.apply(op) }
                let signed = WorkSummary(ticket: then)
                changes =
                    signed.sha256 == sig.summarySHA256
                    ? current.changes(since: signed) : ["the work summary changed after signing"]
            }
            return SignatureCheck(
                signer: sig.signer, signedAt: UTCTime.iso8601(millis: sig.signedAt), attachment: entry.id.description,
                matches: matches, changes: changes)
        }
    }
}

extension ReplicaStore {
    /// ``SignatureCheck/checks(of:ops:)`` of ticket `id` as this store holds it.
    public func verifySignatures(of id: TicketID) throws(StoreError) -> [SignatureCheck] {
        guard let t = try ticket(id) else { return [] }
        return SignatureCheck.checks(of: t, ops: try ops(of: id))
    }
}
