extension Ticket {
    /// The ticket's whole state as canonical bytes: two replicas hold the same state
    /// exactly when these bytes are equal.
    public var canonicalBytes: [UInt8] {
        var w = CanonicalWriter()
        w.string(id.rawValue)
        w.optional(createdBy) { $0.opID($1) }
        w.uint(UInt64(registers.count))
        for name in registers.keys.sorted() {
            let register = registers[name]!
            w.string(name)
            w.uint(UInt64(register.writes.count))
            for id in register.writes.keys.sorted() {
                let value = register.writes[id]!
                w.opID(id)
                w.stamp(value.stamp)
                w.string(value.value)
            }
            w.opIDs(register.replaced)
        }
        w.uint(UInt64(events.count))
        for id in events.keys.sorted() {
            let e = events[id]!
            w.opID(id)
            w.stamp(e.stamp)
            w.string(e.kind.description)
            w.uint(e.at)
            w.opIDs(e.after)
            w.optional(e.assignee) { $0.string($1) }
            w.optional(e.position) { w, p in
                w.double(p.latitude)
                w.double(p.longitude)
                w.optional(p.accuracyMetres) { $0.double($1) }
            }
            w.optional(e.reason) { $0.string($1) }
        }
        w.opIDs(superseded)
        w.uint(UInt64(noteEntries.count))
        for id in noteEntries.keys.sorted() {
            let n = noteEntries[id]!
            w.opID(id)
            w.stamp(n.stamp)
            w.uint(n.note.at)
            w.string(n.note.text)
        }
        w.uint(UInt64(partEntries.count))
        for id in partEntries.keys.sorted() {
            let p = partEntries[id]!
            w.opID(id)
            w.stamp(p.stamp)
            w.string(p.line.partNumber)
            w.int(p.line.quantity.thousandths)
            w.string(p.line.unit)
            w.string(p.line.location)
        }
        w.opIDs(removedLines)
        w.uint(UInt64(attachmentEntries.count))
        for id in attachmentEntries.keys.sorted() {
            let a = attachmentEntries[id]!
            w.opID(id)
            w.stamp(a.stamp)
            w.uint(UInt64(a.attachment.kind.rawValue))
            w.raw(a.attachment.sha256.bytes)
            w.uint(a.attachment.byteSize)
            w.string(a.attachment.mediaType)
            w.string(a.attachment.caption)
            w.optional(a.attachment.signature) { w, s in
                w.string(s.signer)
                w.uint(s.signedAt)
                w.raw(s.summarySHA256.bytes)
            }
        }
        return w.bytes
    }

    /// SHA-256 of ``canonicalBytes``.
    public var digest: Digest { SHA256.hash(canonicalBytes) }
}
