import FieldModel
import FieldStore

/// The ticket list as a terminal table.
public enum TicketListText {
    public static func render(_ list: [TicketSummary]) -> String {
        guard !list.isEmpty else { return "No tickets. They arrive with `fieldsync sync` once dispatch assigns them." }
        var lines = [
            "\(TicketText.pad("TICKET", 18)) \(TicketText.pad("STATUS", 10)) \(TicketText.pad("PRIORITY", 9)) CUSTOMER · SITE"
        ]
        for t in list {
            let flag = t.conflicts > 0 ? "  ⚠ \(t.conflicts) conflict\(t.conflicts == 1 ? "" : "s")" : ""
            lines.append(
                "\(TicketText.pad(t.id, 18)) \(TicketText.pad(t.status, 10)) \(TicketText.pad(t.priority, 9)) \(t.customer) · \(t.site)\(flag)"
            )
        }
        return lines.joined(separator: "\n")
    }
}
