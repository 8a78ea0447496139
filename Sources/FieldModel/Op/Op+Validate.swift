extension Op {
    /// Longest text accepted in any one string of an op (notes, values, captions): 64 KiB.
    public static let maxTextBytes = 64 * 1024

    /// Checks what the model can check of an op by itself: counters start at 1, fields
    /// are known, quantities positive, positions on Earth, texts within limits.
    public func validate() throws(ModelError) {
        guard id.counter > 0 else { throw ModelError(.invalidOp, "op \(id): counters start at 1") }
        // A ticket's op on another kind's entity would be derived as a ticket there (a part
        // line on a location's stock, an assignment on a van's): refused by kind.
        if body.isTicketOp && subject.kind != .ticket {
            throw ModelError(.invalidOp, "op \(id): a \(body.kind) op belongs on a ticket, not on \(subject)")
        }
        switch body {
        case .ticketCreated(let created):
            for (field, value) in created.fields {
                try Self.checkField(field)
                try Self.checkText(value, "\(field)")
            }
        case .fieldSet(let write):
            try Self.checkField(write.field)
            try Self.checkText(write.value, write.field)
        case .lifecycle(let event):
            if let p = event.position, !p.isValid {
                throw ModelError(
                    .invalidPosition,
                    "position \(p.latitude), \(p.longitude) is not on Earth: latitude must be -90…90, longitude -180…180, accuracy ≥ 0"
                )
            }
            if event.kind == .assigned, (event.assignee ?? "").isEmpty {
                throw ModelError(.invalidOp, "an assignment must name the engineer")
            }
            try Self.checkText(event.reason ?? "", "reason")
        case .note(let note):
            guard !note.text.isEmpty else { throw ModelError(.invalidText, "a note cannot be empty") }
            try Self.checkText(note.text, "note")
        case .partAdded(let line):
            guard line.quantity.thousandths > 0 else {
                throw ModelError(.invalidQuantity, "quantity must be greater than 0 (got \(line.quantity))")
            }
            guard !line.partNumber.isEmpty else { throw ModelError(.invalidText, "a part line needs a part number") }
            guard !line.location.isEmpty else { throw ModelError(.invalidText, "a part line needs a stock location") }
            try Self.checkText(line.partNumber + line.unit + line.location, "part line")
        case .partRemoved:
            break
        case .attachmentAdded(let a):
            try Self.checkText(a.caption + a.mediaType, "attachment")
            if a.kind == .signature, a.signature == nil {
                throw ModelError(.invalidOp, "a signature attachment must say who signed and for what")
            }
        case .entity(let e):
            try e.body.validate()
            try StockMovement.checkSubject(of: self, e.body)
        case .unknown:
            break
        }
    }

    static func checkField(_ field: String) throws(ModelError) {
        guard Field.isValid(field) else {
            throw ModelError(
                .invalidField,
                "unknown field '\(field)': use one of \(Field.all.joined(separator: ", ")) or custom.NAME")
        }
    }

    static func checkText(_ text: String, _ what: String) throws(ModelError) {
        guard text.utf8.count <= maxTextBytes else {
            throw ModelError(.invalidText, "\(what) is longer than \(maxTextBytes / 1024) KiB")
        }
    }
}
