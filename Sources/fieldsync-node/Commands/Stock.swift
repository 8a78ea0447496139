import ArgumentParser
import FieldModel
import FieldNode
import FieldStore
import Foundation

struct StockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock", abstract: "Spare parts: record movements at warehouses and depots, reconcile vans and sites.",
        discussion: """
            Locations are warehouse:ID, depot:ID and van:ENGINEER. A warehouse or depot principal
            NAME owns warehouse:NAME and depot:NAME; an engineer owns their van. Movements given
            with --as NAME are checked against what NAME owns (a move out of a location it does
            not own is refused and nothing is written); without --as, central acts for the
            company. Consumption is never entered here: it is the tickets' part lines.
            A van's day, end to end:
              fieldsync-node stock receive  --data DIR --as W1 --location warehouse:W1 --part CAP-35UF --qty 40
              fieldsync-node stock transfer --data DIR --as W1 --from warehouse:W1 --to van:E17 --part CAP-35UF --qty 10
              (the engineer confirms on the device: fieldsync stock receive TRANSFER)
              fieldsync-node stock return   --data DIR --as W1 --from van:E17 --to warehouse:W1 --part CAP-35UF --qty 2
              fieldsync-node stock reconcile --data DIR --location van:E17
            """,
        subcommands: [Receive.self, Transfer.self, Return.self, Confirm.self, WriteOff.self, Count.self, Reconcile.self, Levels.self, Demand.self])

    /// Who acts, and the part and quantity every movement names.
    struct Movement: ParsableArguments {
        @Option(name: .customLong("as"), help: "The warehouse or depot principal acting (owns warehouse:NAME, depot:NAME); central when absent.")
        var principal: String?
        @Option(help: "The part number.") var part: String
        @Option(help: "How many (decimals allowed: 2.5).") var qty: String
    }

    struct Receive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record parts received at a location (from a supplier).",
            discussion: "Example:\n  fieldsync-node stock receive --data DIR (or --postgres URL) --as W1 --location warehouse:W1 --part CAP-35UF --qty 40 --reference PO-1182")
        @OptionGroup var options: StoreOptions
        @OptionGroup var movement: Movement
        @Option var location: String
        @Option(help: "A delivery note or order number.") var reference = ""

        func run() async throws {
            try await reportingErrors {
                let op = try await options.withCentral { admin in
                    try await admin.receiveStock(
                        at: try CentralAdmin.location(location), part: movement.part, quantity: try CentralAdmin.quantity(movement.qty),
                        reference: reference, by: try CentralAdmin.stockActor(as: movement.principal))
                }
                print(options.json ? JSONOutput.string(["op": op.id.description]) : "✓ received \(movement.qty) \(movement.part) at \(location)")
            }
        }
    }

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send parts to another location; prints the transfer's id alone.",
            discussion: "The parts are in transit until the receiving side confirms what arrived.\nExample:\n  fieldsync-node stock transfer --data DIR (or --postgres URL) --as W1 --from warehouse:W1 --to van:E17 --part CAP-35UF --qty 10")
        @OptionGroup var options: StoreOptions
        @OptionGroup var movement: Movement
        @Option var from: String
        @Option var to: String

        func run() async throws {
            try await reportingErrors {
                let id = try await options.withCentral { admin in
                    try await admin.sendStock(
                        part: movement.part, quantity: try CentralAdmin.quantity(movement.qty), from: try CentralAdmin.location(from),
                        to: try CentralAdmin.location(to), by: try CentralAdmin.stockActor(as: movement.principal))
                }
                print(options.json ? JSONOutput.string(["transfer": id.rawValue]) : id.rawValue)
            }
        }
    }

    struct Return: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record parts returned (from a van to a warehouse); taken back at once, or --in-transit.",
            discussion: "The receiving side records it as the parts come over its counter; the returning side may record it too.\nExample:\n  fieldsync-node stock return --data DIR (or --postgres URL) --as W1 --from van:E17 --to warehouse:W1 --part CAP-35UF --qty 2")
        @OptionGroup var options: StoreOptions
        @OptionGroup var movement: Movement
        @Option var from: String
        @Option var to: String
        @Flag(name: .customLong("in-transit"), help: "The parts are on their way: the receiving side confirms later.") var inTransit = false

        func run() async throws {
            try await reportingErrors {
                let id = try await options.withCentral { admin in
                    let q = try CentralAdmin.quantity(movement.qty)
                    return try await admin.sendStock(
                        part: movement.part, quantity: q, from: try CentralAdmin.location(from), to: try CentralAdmin.location(to), purpose: .return,
                        arrived: inTransit ? nil : q, by: try CentralAdmin.stockActor(as: movement.principal))
                }
                print(options.json ? JSONOutput.string(["transfer": id.rawValue]) : id.rawValue)
            }
        }
    }

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Confirm what arrived of a transfer at a warehouse or depot (all that was sent, or --qty).",
            discussion: "Example:\n  fieldsync-node stock confirm --data DIR (or --postgres URL) --as W1 transfer:X12-e17-1a2b --qty 9")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The transfer's id.") var transfer: String
        @Option(name: .customLong("as"), help: "The warehouse or depot principal receiving.") var principal: String?
        @Option(help: "What arrived, when not all that was sent.") var qty: String?

        func run() async throws {
            try await reportingErrors {
                let t = try await options.withCentral { admin in
                    try await admin.confirmStock(transfer: transfer, quantity: try qty.map(CentralAdmin.quantity), by: try CentralAdmin.stockActor(as: principal))
                }
                let dispute = StockDispute(t)
                if options.json {
                    print(JSONOutput.string(["transfer": t.id.rawValue, "arrived": t.arrival?.quantity.description ?? "", "inDispute": dispute?.missing.description ?? "0"]))
                } else {
                    print("✓ \(t.id) arrived: \(t.arrival?.quantity.description ?? "?")\(dispute.map { "  ⚠ \($0.missing) in dispute" } ?? "")")
                }
            }
        }
    }

    struct WriteOff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "writeoff", abstract: "Write parts off (damaged, lost, expired) with a reason.",
            discussion: "Example:\n  fieldsync-node stock writeoff --data DIR (or --postgres URL) --as W1 --location warehouse:W1 --part CAP-35UF --qty 1 --reason \"cracked in transit\"")
        @OptionGroup var options: StoreOptions
        @OptionGroup var movement: Movement
        @Option var location: String
        @Option var reason: String

        func run() async throws {
            try await reportingErrors {
                let op = try await options.withCentral { admin in
                    try await admin.writeOffStock(
                        at: try CentralAdmin.location(location), part: movement.part, quantity: try CentralAdmin.quantity(movement.qty), reason: reason,
                        by: try CentralAdmin.stockActor(as: movement.principal))
                }
                print(options.json ? JSONOutput.string(["op": op.id.description]) : "✓ wrote off \(movement.qty) \(movement.part) at \(location)")
            }
        }
    }

    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a physical count (reconciled against what was expected at its time).",
            discussion: "Example:\n  fieldsync-node stock count --data DIR (or --postgres URL) --as W1 --location warehouse:W1 --part CAP-35UF --qty 27")
        @OptionGroup var options: StoreOptions
        @OptionGroup var movement: Movement
        @Option var location: String
        @Option(help: "When it was counted (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ); now when absent.") var at: String?

        func run() async throws {
            try await reportingErrors {
                let lines = try await options.withCentral { admin in
                    let where_ = try CentralAdmin.location(location)
                    _ = try await admin.countStock(
                        at: where_, part: movement.part, quantity: try CentralAdmin.quantity(movement.qty), time: try at.map(parseDate),
                        by: try CentralAdmin.stockActor(as: movement.principal))
                    return try await admin.stockLines(location: where_, part: movement.part)
                }
                print(options.json ? JSONOutput.string(lines.map(StockLineJSON.init)) : StockLinesText.reconcile(lines, disputes: []))
            }
        }
    }

    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per location and part: opening, in, out, in transit, consumed (by ticket), written off, expected, last count, discrepancy, late movements.",
            discussion: """
                Negative stock is flagged, never clamped. A count is reconciled against what was
                expected at its time; movements stamped before it that arrived after it are listed
                as late and counted. Transfers whose receiving side confirmed another quantity are
                listed as in dispute.
                Examples:
                  fieldsync-node stock reconcile --data DIR --location van:E17
                  fieldsync-node stock reconcile --postgres URL --part CAP-35UF --since 2026-11-01 --csv > november.csv
                """)
        @OptionGroup var options: StoreOptions
        @Option var location: String?
        @Option var part: String?
        @Option(help: "Start of the period (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC): what came before is the opening.") var since: String?
        @Flag(help: "Print CSV.") var csv = false

        func run() async throws {
            try await reportingErrors {
                let (lines, disputes) = try await options.withCentral { admin in
                    let l = try location.map(CentralAdmin.location)
                    let lines = try await admin.stockLines(location: l, part: part, since: try since.map(parseDate))
                    let disputes = try await admin.stockDisputes().filter { d in
                        (l == nil || d.from == l || d.to == l) && (part == nil || d.part == part)
                    }
                    return (lines, disputes)
                }
                if csv {
                    print(StockLinesText.csv(lines))
                } else if options.json {
                    print(JSONOutput.string(ReconcileJSON(lines: lines.map(StockLineJSON.init), disputes: disputes.map(StockDisputeJSON.init))))
                } else {
                    print(StockLinesText.reconcile(lines, disputes: disputes))
                }
            }
        }

        struct ReconcileJSON: Encodable {
            let lines: [StockLineJSON]
            let disputes: [StockDisputeJSON]
        }
    }

    struct Levels: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What every location should hold now, with what is on its way.",
            discussion: "Example:\n  fieldsync-node stock levels --data DIR (or --postgres URL) --csv")
        @OptionGroup var options: StoreOptions
        @Option var location: String?
        @Flag(help: "Print CSV.") var csv = false

        func run() async throws {
            try await reportingErrors {
                let lines = try await options.withCentral { try await $0.stockLines(location: try location.map(CentralAdmin.location)) }
                if csv {
                    print((["location,part,expected,in_transit,negative"] + lines.map {
                        [$0.key.location.description, $0.key.part, $0.expected.description, $0.inTransit.description, $0.isNegative ? "yes" : "no"]
                            .map(StockLinesText.csvField).joined(separator: ",")
                    }).joined(separator: "\n"))
                } else if options.json {
                    print(JSONOutput.string(lines.map {
                        LevelJSON(location: $0.key.location.description, part: $0.key.part, expected: $0.expected.description, inTransit: $0.inTransit.description, negative: $0.isNegative)
                    }))
                } else {
                    print(StockLinesText.levels(lines))
                }
            }
        }

        struct LevelJSON: Encodable {
            let location: String
            let part: String
            let expected: String
            let inTransit: String
            let negative: Bool
        }
    }

    struct Demand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The parts consumed most over a period, by device model or fault code (from the tickets' part lines).",
            discussion: "Example:\n  fieldsync-node stock demand --data DIR (or --postgres URL) --from 2026-10-01 --to 2027-01-01 --by model")
        @OptionGroup var options: StoreOptions
        @Option(help: "Start (YYYY-MM-DD, UTC), included.") var from: String
        @Option(help: "End (YYYY-MM-DD, UTC), excluded.") var to: String
        @Option(help: "model or fault.") var by = "model"
        @Flag(help: "Print CSV.") var csv = false

        struct Row: Encodable {
            let group: String
            let part: String
            let quantity: String
            let tickets: Int
        }

        func run() async throws {
            try await reportingErrors {
                guard let grouping = StockDemand.Grouping(rawValue: by) else { throw NodeError.badRequest("--by takes model or fault, not '\(by)'") }
                let rows = try await options.withCentral { try await $0.stockDemand(from: try parseDate(from), to: try parseDate(to), by: grouping) }
                    .map { Row(group: $0.group, part: $0.part, quantity: $0.quantity.description, tickets: $0.tickets) }
                if csv {
                    print(([grouping.rawValue + ",part,quantity,tickets"] + rows.map {
                        [$0.group, $0.part, $0.quantity, String($0.tickets)].map(StockLinesText.csvField).joined(separator: ",")
                    }).joined(separator: "\n"))
                } else if options.json {
                    print(JSONOutput.string(rows))
                } else {
                    print(rows.isEmpty ? "No part lines in that period." : rows.map {
                        "\($0.group.isEmpty ? "(no \(grouping == .model ? "model" : "fault code"))" : $0.group)  \($0.part)  \($0.quantity) on \($0.tickets) ticket(s)"
                    }.joined(separator: "\n"))
                }
            }
        }
    }
}

/// A date option: `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SSZ`.
func parseDate(_ text: String) throws -> UInt64 {
    guard let ms = UTCTime.millis(parsing: text) else {
        throw NodeError.badRequest("'\(text)' is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)")
    }
    return ms
}
