/// A note as it sits on a ticket: its text and who wrote it when.
public struct NoteEntry: Hashable, Sendable {
    public let id: OpID
    public let stamp: Timestamp
    public let note: Note
}

/// A part line as it sits on a ticket. `id` is the line id that a removal names.
public struct PartLineEntry: Hashable, Sendable {
    public let id: OpID
    public let stamp: Timestamp
    public let line: PartLine
}

/// An attachment as it sits on a ticket.
public struct AttachmentEntry: Hashable, Sendable {
    public let id: OpID
    public let stamp: Timestamp
    public let attachment: Attachment
}
