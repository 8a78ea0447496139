/// Something concurrent edits left for a person to settle. Nothing is dropped: every
/// value or event involved is listed.
public enum Conflict: Hashable, Sendable {
    /// Concurrent values of one field, winner (the one shown) first.
    case field(name: String, values: [RegisterValue])
    /// Concurrent lifecycle events that lead to different statuses (for example,
    /// completed on site while cancelled at central), latest first.
    case lifecycle(events: [TimelineEvent])

    /// The field name, or `status` for a lifecycle conflict.
    public var subject: String {
        switch self {
        case .field(let name, _): name
        case .lifecycle: "status"
        }
    }
}
