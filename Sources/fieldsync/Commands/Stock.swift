import ArgumentParser
import FieldClient
import FieldModel
import FieldStore
import Foundation

struct StockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock", abstract: "Your van's stock, offline: what it should hold, what is on its way, counts and returns.",
        discussion: """
            What the van should hold is what it received, less what your tickets' part lines used
            (a removed line gives it back), what you returned and what was written off.
            Examples:
              fieldsync stock                                   what the van holds, and transfers on their way
              fieldsync stock receive transfer:X12-node-3fa9    confirm a delivery (all of it)
              fieldsync stock receive transfer:X12-node-3fa9 --qty 9    only 9 arrived
              fieldsync stock count --part CAP-35UF --qty 2     count the van
              fieldsync stock return --part CAP-35UF --qty 2 --to warehouse:W1
              fieldsync stock today                             what left the van today, on which tickets
            """,
        subcommands: [Show.self, Receive.self, Count.self, Return.self, Today.self], defaultSubcommand: Show.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What your van should hold, and transfers on their way to it.")
        @Option(help: "Only this part.") var part: String?
        @OptionGroup var global: GlobalOptions

        struct Output: Encodable {
            let van: String
            let lines: [StockLineJSON]
            let inTransit: [Transfer]
            let disputes: [StockDisputeJSON]
        }

        struct Transfer: Encodable {
            let transfer: String
            let from: String
            let part: String
            let quantity: String
        }

        func run() throws {
            try global.withReplica { r in
                let lines = try r.vanStock(part: part)
                let (waiting, disputes) = try r.vanTransfers()
                let transfers = waiting.compactMap { t in
                    t.sent.map { Transfer(transfer: t.id.rawValue, from: $0.body.from.description, part: $0.body.part, quantity: $0.body.quantity.description) }
                }
                global.emit(Output(van: try r.van.description, lines: lines.map(StockLineJSON.init), inTransit: transfers, disputes: disputes.map(StockDisputeJSON.init))) {
                    var out = [StockLinesText.levels(lines.filter { $0.expected != Quantity(0) || $0.inTransit != Quantity(0) || $0.lastCount != nil })]
                    if !transfers.isEmpty {
                        out.append("On their way to your van (confirm with `fieldsync stock receive TRANSFER`):")
                        out += transfers.map { "  \($0.transfer)  \($0.quantity) \($0.part) from \($0.from)" }
                    }
                    if !disputes.isEmpty {
                        out.append("In dispute:")
                        out += disputes.map { "  \($0.transfer)  \($0.part): sent \($0.sent), arrived \($0.arrived)" }
                    }
                    return out.joined(separator: "\n")
                }
            }
        }
    }

    struct Receive: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Confirm what arrived in your van of a transfer (all that was sent, or --qty).",
            discussion: "Example:\n  fieldsync stock receive transfer:X12-node-3fa9 --qty 9")
        @Argument(help: "The transfer's id (`fieldsync stock` lists them).") var transfer: String
        @Option(help: "What arrived, when not all that was sent.") var qty: String?
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.withReplica { r in
                let t = try r.receiveTransfer(transfer, quantity: qty)
                let dispute = StockDispute(t)
                global.emit(["transfer": t.id.rawValue, "arrived": t.arrival?.quantity.description ?? "", "inDispute": dispute?.missing.description ?? "0"]) {
                    "✓ \(t.id): \(t.arrival?.quantity.description ?? "?") \(t.sent?.body.part ?? "") in your van\(dispute.map { "  ⚠ \($0.missing) short, in dispute" } ?? "")"
                }
            }
        }
    }

    struct Count: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count a part in your van; prints what was expected and the difference.",
            discussion: "Example:\n  fieldsync stock count --part CAP-35UF --qty 2")
        @Option(help: "The part number.") var part: String
        @Option(help: "How many are in the van.") var qty: String
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.withReplica { r in
                let line = try r.countVan(part: part, quantity: qty)
                global.emit(line.map(StockLineJSON.init)) {
                    guard let line, let d = line.discrepancy, let e = line.expectedAtCount else { return "✓ counted \(qty) \(part)" }
                    let verdict = d == Quantity(0) ? "as expected" : d.thousandths < 0 ? "\(Quantity(thousandths: StockLedger.negated(d.thousandths))) missing" : "\(d) more than expected"
                    return "✓ counted \(qty) \(part); expected \(e): \(verdict)"
                }
            }
        }
    }

    struct Return: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Return parts from your van to a warehouse or depot; prints the transfer's id.",
            discussion: "The warehouse confirms what it takes back.\nExample:\n  fieldsync stock return --part CAP-35UF --qty 2 --to warehouse:W1")
        @Option(help: "The part number.") var part: String
        @Option(help: "How many.") var qty: String
        @Option(help: "Where they go (warehouse:ID or depot:ID).") var to: String
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.withReplica { r in
                let id = try r.returnParts(part: part, quantity: qty, to: to)
                global.emit(["transfer": id.rawValue]) { id.rawValue }
            }
        }
    }

    struct Today: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Your shift-end summary: what left the van today (since 00:00 UTC), on which tickets.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.withReplica { r in
                let now = UInt64(Date().timeIntervalSince1970 * 1000)
                let lines = try r.vanStock(since: now - now % 86_400_000).filter {
                    $0.consumed != Quantity(0) || $0.transferredOut != Quantity(0) || $0.returned != Quantity(0) || $0.writtenOff != Quantity(0)
                }
                global.emit(lines.map(StockLineJSON.init)) {
                    guard !lines.isEmpty else { return "Nothing left your van today." }
                    return lines.map { l in
                        var parts: [String] = []
                        if l.consumed != Quantity(0) {
                            parts.append("used \(l.consumed) on " + l.consumedBy.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", "))
                        }
                        if l.returned != Quantity(0) { parts.append("returned \(l.returned)") }
                        if l.transferredOut != Quantity(0) { parts.append("transferred out \(l.transferredOut)") }
                        if l.writtenOff != Quantity(0) { parts.append("written off \(l.writtenOff)") }
                        return "\(l.key.part): " + parts.joined(separator: "; ") + "; now \(l.expected)"
                    }.joined(separator: "\n")
                }
            }
        }
    }
}
