import FieldModel
import Foundation

/// A reconciliation line as `--json` prints it: quantities as decimal strings (exact
/// thousandths, never a float), times as ISO 8601 UTC.
public struct StockLineJSON: Encodable, Sendable, Equatable {
    public struct Consumer: Encodable, Sendable, Equatable {
        public let ticket: String
        public let quantity: String
    }

    public let location: String
    public let part: String
    public let opening: String
    public let received: String
    public let transferredIn: String
    public let transferredOut: String
    public let returned: String
    public let inTransit: String
    public let consumed: String
    public let consumedBy: [Consumer]
    public let writtenOff: String
    public let expected: String
    public let negative: Bool
    public let lastCounted: String?
    public let countedAt: String?
    public let expectedAtCount: String?
    public let discrepancy: String?
    public let late: [String]

    public init(_ l: StockLedger.Line) {
        location = l.key.location.description
        part = l.key.part
        opening = l.opening.description
        received = l.received.description
        transferredIn = l.transferredIn.description
        transferredOut = l.transferredOut.description
        returned = l.returned.description
        inTransit = l.inTransit.description
        consumed = l.consumed.description
        consumedBy = l.consumedBy.sorted { $0.key < $1.key }.map { Consumer(ticket: $0.key.rawValue, quantity: $0.value.description) }
        writtenOff = l.writtenOff.description
        expected = l.expected.description
        negative = l.isNegative
        lastCounted = l.lastCount?.quantity.description
        countedAt = l.lastCount.map { UTCTime.iso8601(millis: $0.at) }
        expectedAtCount = l.expectedAtCount?.description
        discrepancy = l.discrepancy?.description
        late = l.late.map(\.description)
    }
}

/// A transfer in dispute as `--json` prints it.
public struct StockDisputeJSON: Encodable, Sendable, Equatable {
    public let transfer: String
    public let from: String
    public let to: String
    public let part: String
    public let sent: String
    public let arrived: String
    public let missing: String

    public init(_ d: StockDispute) {
        transfer = d.transfer.rawValue
        from = d.from.description
        to = d.to.description
        part = d.part
        sent = d.sent.description
        arrived = d.arrived.description
        missing = d.missing.description
    }
}

/// Stock lines for people (a table) and spreadsheets (CSV).
public enum StockLinesText {
    /// The reconciliation, one block per (location, part).
    public static func reconcile(_ lines: [StockLedger.Line], disputes: [StockDispute]) -> String {
        guard !lines.isEmpty || !disputes.isEmpty else { return "No stock movements or part lines yet." }
        var out: [String] = []
        for l in lines {
            var head = "\(l.key.location)  \(l.key.part)  expected \(l.expected)"
            if l.isNegative { head += "  ⚠ negative: more left than came in" }
            out.append(head)
            if l.opening != Quantity(0) { out.append("  opening \(l.opening)") }
            out.append("  in: received \(l.received), transferred in \(l.transferredIn); in transit \(l.inTransit)")
            out.append("  out: transferred out \(l.transferredOut), returned \(l.returned), written off \(l.writtenOff)")
            let by = l.consumedBy.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            out.append("  consumed \(l.consumed)\(by.isEmpty ? "" : " (\(by))")")
            if let count = l.lastCount, let atCount = l.expectedAtCount, let d = l.discrepancy {
                let verdict = d == Quantity(0) ? "matches" : d.thousandths < 0 ? "\(Quantity(thousandths: StockLedger.negated(d.thousandths))) missing" : "\(d) more than expected"
                out.append("  counted \(count.quantity) at \(UTCTime.iso8601(millis: count.at)), expected then \(atCount): \(verdict)")
            }
            if !l.late.isEmpty {
                out.append("  late (stamped before the count, arrived after it): \(l.late.map(\.description).joined(separator: ", "))")
            }
        }
        if !disputes.isEmpty {
            out.append("Transfers in dispute:")
            for d in disputes {
                out.append("  \(d.transfer)  \(d.part)  \(d.from) → \(d.to): sent \(d.sent), arrived \(d.arrived), \(d.missing) in dispute")
            }
        }
        return out.joined(separator: "\n")
    }

    /// The current picture: one row per (location, part).
    public static func levels(_ lines: [StockLedger.Line]) -> String {
        guard !lines.isEmpty else { return "No stock yet." }
        return lines.map { l in
            var row = "\(l.key.location)  \(l.key.part)  \(l.expected)"
            if l.inTransit != Quantity(0) { row += "  (+\(l.inTransit) in transit)" }
            if l.isNegative { row += "  ⚠ negative" }
            return row
        }.joined(separator: "\n")
    }

    /// CSV (RFC 4180) of the reconciliation: a header, then one row per line; the
    /// consuming tickets as `TICKET=QTY` separated by spaces.
    public static func csv(_ lines: [StockLedger.Line]) -> String {
        let header = "location,part,opening,received,transferred_in,transferred_out,returned,in_transit,consumed,consumed_by,written_off,expected,negative,last_counted,counted_at,expected_at_count,discrepancy,late"
        let rows = lines.map(StockLineJSON.init).map { j in
            [
                j.location, j.part, j.opening, j.received, j.transferredIn, j.transferredOut, j.returned, j.inTransit, j.consumed,
                j.consumedBy.map { "\($0.ticket)=\($0.quantity)" }.joined(separator: " "), j.writtenOff, j.expected, j.negative ? "yes" : "no",
                j.lastCounted ?? "", j.countedAt ?? "", j.expectedAtCount ?? "", j.discrepancy ?? "", j.late.joined(separator: " "),
            ].map(csvField).joined(separator: ",")
        }
        return ([header] + rows).joined(separator: "\n")
    }

    /// A CSV field, quoted when it must be; a leading = + - @ is prefixed with ' so a
    /// spreadsheet does not run a part number as a formula.
    public static func csvField(_ s: String) -> String {
        var v = s
        if let first = v.first, "=+@".contains(first) || (first == "-" && Double(v) == nil) { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
