import FieldModel

/// Copies of an op with one thing taken out, to measure what that thing costs on the
/// wire (``WireBench``'s breakdown). The results are not valid ops for a replica to
/// apply; they only need to encode.
enum Ablation {
    private static let zeroHash = Digest(bytes: [UInt8](repeating: 0, count: 32))!

    static func withoutText(_ op: Op) -> Op {
        rebuilt(op) { body in
            switch body {
            case .note(let n): .note(Note(text: "", at: n.at))
            case .fieldSet(let f): .fieldSet(FieldWrite(field: f.field, value: "", replaces: f.replaces))
            case .lifecycle(let e): .lifecycle(event(e, reason: e.reason.map { _ in "" }))
            case .attachmentAdded(let a): .attachmentAdded(attachment(a, caption: "", signer: ""))
            default: body
            }
        }
    }

    static func withoutHashes(_ op: Op) -> Op {
        rebuilt(op) { body in
            guard case .attachmentAdded(let a) = body else { return body }
            return .attachmentAdded(attachment(a, sha256: zeroHash, summary: zeroHash))
        }
    }

    static func withoutPredecessors(_ op: Op) -> Op {
        rebuilt(op) { body in
            switch body {
            case .fieldSet(let f): .fieldSet(FieldWrite(field: f.field, value: f.value, replaces: []))
            case .lifecycle(let e): .lifecycle(event(e, after: [], replaces: []))
            default: body
            }
        }
    }

    /// Every stamp at one wall time and every device time equal to it: what times cost.
    static func withoutTimes(_ op: Op) -> Op {
        let t: UInt64 = 1_741_000_000_000
        let body: OpBody =
            switch op.body {
            case .note(let n): .note(Note(text: n.text, at: t))
            case .lifecycle(let e): .lifecycle(event(e, at: t))
            case .attachmentAdded(let a): .attachmentAdded(attachment(a, signedAt: t))
            default: op.body
            }
        return Op(id: op.id, wallMillis: t, logical: op.stamp.logical, subject: op.subject, body: body)
    }

    /// The op header alone: the body replaced by an empty payload of the same kind.
    static func headersOnly(_ op: Op) -> Op {
        rebuilt(op) { .unknown(UnknownOp(kind: $0.kind, payload: [])) }
    }

    private static func rebuilt(_ op: Op, _ change: (OpBody) -> OpBody) -> Op {
        Op(id: op.id, stamp: op.stamp, subject: op.subject, body: change(op.body))
    }

    private static func event(
        _ e: LifecycleEvent, at: UInt64? = nil, after: [OpID]? = nil, replaces: [OpID]? = nil, reason: String?? = nil
    ) -> LifecycleEvent {
        LifecycleEvent(
            kind: e.kind, at: at ?? e.at, after: after ?? e.after, assignee: e.assignee, replaces: replaces ?? e.replaces,
            position: e.position, reason: reason ?? e.reason)
    }

    private static func attachment(
        _ a: Attachment, sha256: Digest? = nil, summary: Digest? = nil, caption: String? = nil, signer: String? = nil,
        signedAt: UInt64? = nil
    ) -> Attachment {
        let signature = a.signature.map {
            Signature(
                signer: signer ?? $0.signer, signedAt: signedAt ?? $0.signedAt, summarySHA256: summary ?? $0.summarySHA256)
        }
        return Attachment(
            kind: a.kind, sha256: sha256 ?? a.sha256, byteSize: a.byteSize, mediaType: a.mediaType,
            caption: caption ?? a.caption, signature: signature)
    }
}
