/// `check` reports as text for a person: what was checked, what is wrong, and what to
/// do about it, which differs between a device (its history is on the node) and a node
/// (its history is in its backups).
public enum CheckText {
    /// A device's report; `home` is the replica's folder, for the recovery commands.
    public static func device(_ r: CheckReport, home: String) -> String {
        var lines = findings(r)
        guard !r.isClean else { return lines.joined(separator: "\n") }
        let engineer = r.engineer ?? "ID"
        lines += [
            "",
            "Damage found: do not sync this replica; what it holds cannot be trusted. To recover, move this home",
            "aside and pull its history from the node into a new one:",
            "  mv \(home) \(home).damaged",
            "  fieldsync init --engineer \(engineer) --home \(home)",
            "  fieldsync login --home \(home) --node URL --token TOKEN",
            "  fieldsync sync --home \(home)",
        ]
        if r.replica == nil {
            lines.append("The file could not be read far enough to tell which of its ops had reached the node.")
        } else if r.unsyncedOps.isEmpty {
            lines.append("Every op of this replica had reached the node: nothing is lost.")
        } else {
            let shown = r.unsyncedOps.prefix(50).joined(separator: ", ")
            let more = r.unsyncedOps.count > 50 ? " and \(r.unsyncedOps.count - 50) more" : ""
            lines.append(
                "\(r.unsyncedOps.count) op(s) of this replica never reached the node and exist only here: \(shown)\(more). Record that work again in the new home (the old one stays in \(home).damaged for reference).")
        }
        return lines.joined(separator: "\n")
    }

    /// A node's report; `data` is its data folder.
    public static func node(_ r: CheckReport, data: String) -> String {
        withRecovery(r, [
            "Damage found: stop the node and restore \(data) from its latest backup (keep the damaged folder for",
            "investigation), then start it again. Devices send back what they hold at their next sync.",
        ])
    }

    /// A central's report on PostgreSQL.
    public static func central(_ r: CheckReport) -> String {
        withRecovery(r, [
            "Damage found: restore the database from its latest backup (or a point in time before the damage);",
            "the nodes record under a new central id after it, and devices send back what they hold at their next sync.",
        ])
    }

    /// The findings, then, if anything is damaged, how to recover.
    static func withRecovery(_ r: CheckReport, _ recovery: [String]) -> String {
        var lines = findings(r)
        if !r.isClean { lines += [""] + recovery }
        return lines.joined(separator: "\n")
    }

    static func findings(_ r: CheckReport) -> [String] {
        var lines = ["Checked \(r.path)\(r.replica.map { " (replica \($0))" } ?? "") — \(r.mode) check"]
        if !r.integrityChecked {
            // PostgreSQL's pages and indexes: amcheck and data checksums, the operator's tools.
        } else if r.integrity.isEmpty {
            lines.append("✓ SQLite \(r.mode == "quick" ? "quick" : "integrity") check: ok")
        } else {
            lines.append("✗ SQLite finds the file damaged:")
            lines += r.integrity.prefix(20).map { "    \($0)" }
            if r.integrity.count > 20 { lines.append("    … and \(r.integrity.count - 20) more") }
        }
        let which = r.mode == "quick" ? "unsynced ops" : "ops"
        if r.damagedOps.isEmpty {
            lines.append("✓ \(r.opsChecked) \(which) match their checksums")
        } else {
            lines.append("✗ \(r.damagedOps.count) of \(r.opsChecked) \(which) damaged:")
            lines += r.damagedOps.prefix(50).map { "    \($0.id) (log position \($0.seq)): \($0.explanation)" }
            if r.damagedOps.count > 50 { lines.append("    … and \(r.damagedOps.count - 50) more") }
        }
        if r.mode != "quick" {
            if r.ticketMismatches.isEmpty {
                lines.append("✓ \(r.ticketsChecked) tickets match their ops")
            } else {
                lines.append("✗ \(r.ticketMismatches.count) of \(r.ticketsChecked) tickets differ from what their ops give:")
                lines += r.ticketMismatches.prefix(50).map { m in
                    m.stored == nil ? "    \(m.ticket): its row is missing"
                        : m.derived == nil ? "    \(m.ticket): no readable op gives it"
                        : "    \(m.ticket): stored state \(m.stored!.prefix(12))…, its ops give \(m.derived!.prefix(12))…"
                }
            }
        }
        if r.isClean { lines.append("No damage found.") }
        return lines
    }
}
