import FieldTestSupport
import Foundation

/// Sorts the restore campaign's findings: what follows from central ops a node restore
/// lost (README "Not promised": tickets dispatched and fields set at central after the
/// backup) is expected divergence, not a finding.
struct Classify {
    /// Tickets on which a central op was lost, those the node no longer has at all, and
    /// the lost central op ids.
    let tainted: Set<String>
    let lostTickets: Set<String>
    let lostCentral: Set<String>
    /// Every device op (id -> subject), and the subject of each photo (SHA-256 hex -> ticket).
    private var subjectOf: [String: String] = [:]
    private var photoSubject: [String: String] = [:]
    /// Per device name: whether every op of its own the node lacks is on a ticket the node lost.
    private var gapsOnLostTickets: [String: Bool] = [:]
    /// Who attached each photo (device name).
    private var photoOwner: [String: String] = [:]

    init(_ rig: FieldRig, tainted: Set<String>, lostCentral: Set<String>) throws {
        self.tainted = tainted
        self.lostCentral = lostCentral
        let list = try JSONSerialization.jsonObject(with: Data(try rig.node.adminOK("tickets", "--json").utf8)) as? [[String: Any]] ?? []
        let central = Set(list.compactMap { $0["id"] as? String })
        lostTickets = tainted.subtracting(central)
        let onNode = Set(try OpTable.read(rig.node.data + "/node.sqlite").map(\.id))
        let shas = Array(rig.originals.keys)
        for replica in rig.replicas {
            var allOnLost = true
            // Only its maker's copy: a device may still hold another op under the same id
            // (one its maker lost to restores, then made again).
            let ids = try replica.ids()
            for op in try replica.storedOps() where ids.contains(op.replica) {
                subjectOf[op.id] = op.subject
                if !onNode.contains(op.id) && !lostTickets.contains(op.subject) { allOnLost = false }
                guard op.payload.count >= 32 else { continue }
                let payload = Data(op.payload)
                for sha in shas where photoSubject[sha] == nil {
                    if let raw = Self.bytes(hex: sha), payload.range(of: raw) != nil {
                        photoSubject[sha] = op.subject
                        photoOwner[sha] = replica.name
                    }
                }
            }
            gapsOnLostTickets[replica.name] = allOnLost
        }
    }

    /// The device that attached the photo whose SHA-256 begins with `prefix`.
    func owner(ofPhoto prefix: String) -> String? {
        photoOwner.first { $0.key.hasPrefix(prefix) }?.value
    }

    /// Whether `findings` (all of the campaign's) are expected, in order.
    func sort(_ findings: [String]) -> [Bool] {
        // Devices whose syncs central refuses for a lost central op made again (the known
        // gap): what they could not push or pull follows from it.
        let refusing = Set(findings.compactMap { f -> String? in
            guard f.contains("reused a counter"), Self.matches(#"\d+@[A-Za-z0-9-]+"#, in: f).contains(where: lostCentral.contains) else { return nil }
            return photoOwner.values.first { f.contains("] \($0):") || f.contains(" \($0)'s ") || f.contains("] \($0)'s ") }
                ?? Set(gapsOnLostTickets.keys).first { f.contains(" \($0):") || f.contains(" \($0)'s ") }
        })
        var out = findings.map { f in
            if isExpected(f) { return true }
            if f.hasPrefix("[diverged]"), refusing.contains(where: { f.contains(": \($0) has state") }) { return true }
            if f.hasPrefix("[blob]"), let prefix = Self.matches(#"\b[0-9a-f]{12}\b"#, in: f).first,
                let sha = photoOwner.keys.first(where: { $0.hasPrefix(prefix) }), let owner = photoOwner[sha], refusing.contains(owner)
            {
                return true
            }
            return false
        }
        // Syncs that keep failing only for expected reasons keep the settle from going quiet.
        let otherSettle = zip(findings, out).contains { f, e in f.hasPrefix("[settle]") && !f.contains("still moving") && !e }
        for (i, f) in findings.enumerated() where f.hasPrefix("[settle]") && f.contains("still moving") { out[i] = !otherSettle }
        return out
    }

    private func isExpected(_ finding: String) -> Bool {
        let ids = Self.matches(#"\d+@[A-Za-z0-9-]+"#, in: finding)
        if ids.contains(where: lostCentral.contains) { return true }
        let tickets = Set(Self.matches(#"(?<![A-Za-z0-9])T\d+-[a-z]+-[0-9a-f]+"#, in: finding))
        let mentionsTainted = !tickets.isDisjoint(with: tainted)
        let mentionsLostTicket = !tickets.isDisjoint(with: lostTickets)
        if finding.hasPrefix("[diverged]") && mentionsTainted { return true }
        if finding.hasPrefix("[lost]") && mentionsLostTicket { return true }
        // A refused blob or a missing one: the photo of an op held back on a lost ticket.
        for prefix in Self.matches(#"\b[0-9a-f]{12}\b"#, in: finding) where finding.hasPrefix("[blob]") || finding.contains("no op refers to blob") {
            if let sha = photoSubject.keys.first(where: { $0.hasPrefix(prefix) }), let subject = photoSubject[sha], lostTickets.contains(subject) { return true }
        }
        if finding.contains("kept in quarantine"), !ids.isEmpty, ids.allSatisfy({ subjectOf[$0].map(lostTickets.contains) == true }) { return true }
        if finding.hasPrefix("[duplicated]"), finding.contains("counters of"),
            let name = gapsOnLostTickets.keys.first(where: { finding.contains("] \($0):") }), gapsOnLostTickets[name] == true
        {
            return true
        }
        if finding.hasPrefix("[settle]") && !finding.contains(" fetch ") && mentionsTainted { return true }
        return false
    }

    private static func matches(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }

    private static func bytes(hex: String) -> Data? {
        guard hex.count == 64 else { return nil }
        var out = Data(capacity: 32)
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            guard let b = UInt8(hex[i..<j], radix: 16) else { return nil }
            out.append(b)
            i = j
        }
        return out
    }
}
