import FieldModel
import FieldTestSupport
import FieldWire
import Foundation
import Testing

/// Spare parts through the real node and the real `fieldsync` (issue M7): a van issued
/// parts at the warehouse, consuming them on tickets offline, returning and counting; a
/// short delivery in dispute; moves out of a location the principal does not own refused,
/// at the node's admin commands and at its sync endpoint, changing nothing.
@Suite(.serialized) struct StockTests {
    /// `fieldsync-node stock reconcile --json`, parsed.
    static func reconcile(_ field: Field, _ args: String...) throws -> [String: Any] {
        let r = try field.node.admin(["stock", "reconcile", "--json"] + args)
        #expect(r.status == 0, "stock reconcile: \(r.stderr)")
        return try #require(r.json as? [String: Any], "stock reconcile --json: \(r.stdout)")
    }

    static func line(_ report: [String: Any], _ location: String, _ part: String) throws -> [String: Any] {
        let lines = try #require(report["lines"] as? [[String: Any]])
        return try #require(lines.first { $0["location"] as? String == location && $0["part"] as? String == part }, "no line \(location) \(part) in \(lines)")
    }

    static func admin(_ field: Field, _ args: String...) throws -> String {
        let r = try field.node.admin(args)
        #expect(r.status == 0, "fieldsync-node \(args.joined(separator: " ")): \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("10 issued to a van, 7 consumed less a removed line of 2, 2 returned, counted 2: 1 missing, the consuming ticket listed; a short delivery in dispute; unowned moves refused and nothing changed")
    func vanDay() async throws {
        let field = try Field()
        let (before, token) = try await onOwnThread { () throws -> (String, String) in
            let e17 = try field.engineer("E17")
            let e18 = try field.engineer("E18")
            let t1 = try field.dispatch("E17")
            let t2 = try field.dispatch("E17", customer: "Bolt & Nut")
            _ = try Self.admin(field, "stock", "receive", "--as", "W1", "--location", "warehouse:W1", "--part", "CAP-35UF", "--qty", "40")
            let issued = try Self.admin(field, "stock", "transfer", "--as", "W1", "--from", "warehouse:W1", "--to", "van:E17", "--part", "CAP-35UF", "--qty", "10")
            #expect(issued.hasPrefix("transfer:") && !issued.contains(" "), "transfer prints its id alone: \(issued)")

            try e17.ok("sync")
            try e18.ok("sync")
            // The van's engineer sees the delivery on its way; another engineer sees nothing of it.
            let waiting = try #require(try e17.ok("stock", "--json").json as? [String: Any])
            let inTransit = try #require(waiting["inTransit"] as? [[String: Any]])
            #expect(inTransit.map { $0["transfer"] as? String } == [issued] && inTransit.first?["quantity"] as? String == "10")
            let other = try #require(try e18.ok("stock", "--json").json as? [String: Any])
            #expect((other["inTransit"] as? [Any])?.isEmpty == true && (other["lines"] as? [Any])?.isEmpty == true)

            // Offline: a part used before the delivery is confirmed warns, and is recorded.
            let used = try e17.ok("part", "add", t1, "CAP-35UF", "--qty", "5")
            #expect(used.stderr.contains("warning:") && used.stderr.contains("CAP-35UF"), "part add warns: \(used.stderr)")
            let received = try #require(try e17.ok("stock", "receive", issued, "--json").json as? [String: Any])
            #expect(received["arrived"] as? String == "10" && received["inDispute"] as? String == "0")
            let two = try #require(try e17.ok("part", "add", t2, "CAP-35UF", "--qty", "2", "--json").json as? [String: Any])
            #expect(!(try e17.ok("part", "add", t2, "CAP-35UF", "--qty", "0.5", "--from", "depot:north").stderr.contains("warning")))
            try e17.ok("part", "remove", t2, try #require(two["line"] as? String))
            let returned = try e17.ok("stock", "return", "--part", "CAP-35UF", "--qty", "2", "--to", "warehouse:W1").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let counted = try #require(try e17.ok("stock", "count", "--part", "CAP-35UF", "--qty", "2", "--json").json as? [String: Any])
            #expect(counted["expected"] as? String == "3" && counted["discrepancy"] as? String == "-1")
            try e17.ok("sync")
            _ = try Self.admin(field, "stock", "confirm", "--as", "W1", returned)

            let report = try Self.reconcile(field, "--location", "van:E17")
            let van = try Self.line(report, "van:E17", "CAP-35UF")
            #expect(van["transferredIn"] as? String == "10")
            #expect(van["consumed"] as? String == "5")
            #expect((van["consumedBy"] as? [[String: Any]])?.map { $0["ticket"] as? String } == [t1])
            #expect(van["returned"] as? String == "2")
            #expect(van["expected"] as? String == "3")
            #expect(van["lastCounted"] as? String == "2" && van["discrepancy"] as? String == "-1")
            let warehouse = try Self.line(try Self.reconcile(field, "--part", "CAP-35UF"), "warehouse:W1", "CAP-35UF")
            #expect(warehouse["expected"] as? String == "32" && warehouse["inTransit"] as? String == "0")
            // The part used from the depot is the depot's, not the van's.
            #expect(try Self.line(try Self.reconcile(field), "depot:north", "CAP-35UF")["consumed"] as? String == "0.5")

            // A delivery received short: 1 in dispute, at central and on the van.
            let filters = try Self.admin(field, "stock", "transfer", "--as", "W1", "--from", "warehouse:W1", "--to", "van:E17", "--part", "FILTER-9", "--qty", "10")
            try e17.ok("sync")
            let short = try #require(try e17.ok("stock", "receive", filters, "--qty", "9", "--json").json as? [String: Any])
            #expect(short["inDispute"] as? String == "1")
            try e17.ok("sync")
            let disputes = try #require(try Self.reconcile(field)["disputes"] as? [[String: Any]])
            #expect(disputes.count == 1 && disputes.first?["transfer"] as? String == filters && disputes.first?["missing"] as? String == "1")

            // Moves out of a location the principal does not own: refused, nothing written.
            let before = try field.node.admin("stock", "reconcile", "--json").stdout
            let refused = try field.node.admin("stock", "transfer", "--as", "W1", "--from", "warehouse:W2", "--to", "van:E17", "--part", "CAP-35UF", "--qty", "5")
            #expect(refused.status != 0 && refused.stderr.contains("warehouse:W2") && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
            let notTheirs = try field.node.admin("stock", "writeoff", "--as", "W1", "--location", "van:E17", "--part", "CAP-35UF", "--qty", "1", "--reason", "x")
            #expect(notTheirs.status != 0 && notTheirs.stderr.contains("van:E17"))
            // On the device: the engineer cannot confirm a delivery to another van, or return from it.
            let e18Bad = try e18.run("stock", "receive", filters)
            #expect(e18Bad.status != 0)
            return (before, try field.token("E17"))
        }
        // At the sync endpoint: a changed client pushing, with E17's token, a transfer out of the warehouse.
        do {
            let replica = ReplicaID("e17-forged")!
            let id = OpID(replica: replica, counter: 1)
            let forged = Op(
                id: id, wallMillis: UInt64(Date().timeIntervalSince1970 * 1000), logical: 0, subject: StockTransfer.id(sentBy: id),
                body: .entity(EntityOp(StockSent(part: "CAP-35UF", quantity: Quantity(30), from: StockLocation("warehouse:W1")!, to: StockLocation("van:E17")!))))
            let (status, reply) = try await field.post(
                Frame.encode([.hello(Hello(replica: replica, clock: forged.stamp.wallMillis)), .push(Push(ops: [forged]))]), token: token)
            #expect(status == 403)
            let error = try #require(try Frame.decode(reply).compactMap { if case .error(let e) = $0 { e } else { nil } }.first)
            #expect(error.message.contains("warehouse:W1"), "\(error.message)")
        }
        let after = try await onOwnThread { try field.node.admin("stock", "reconcile", "--json").stdout }
        #expect(after == before)
        #expect(try await onOwnThread { try field.node.admin("stock", "levels", "--json").status } == 0)
    }

    @Test("hostile values to fieldsync-node stock: one-line errors, nothing written, on a data folder with no server")
    func hostileAdminInput() async throws {
        try await onOwnThread {
            let folder = try TempFolder("fieldsync-stock")
            let data = folder.path + "/node"
            func node(_ args: [String]) throws -> ProcessResult { try Binaries.run("fieldsync-node", args + ["--data", data]) }
            let r = try node(["stock", "receive", "--as", "W1", "--location", "warehouse:W1", "--part", "P1", "--qty", "5"])
            #expect(r.status == 0, "\(r.stderr)")
            let before = try node(["stock", "reconcile", "--json"]).stdout
            for (args, needle) in [
                (["stock", "receive", "--as", "W1", "--location", "warehouse:W1", "--part", "P1", "--qty", "1000000001"], "over the most"),
                (["stock", "receive", "--as", "W1", "--location", "warehouse:W1", "--part", "P1", "--qty=-5"], "greater than 0"),
                (["stock", "receive", "--as", "W1", "--location", "warehouse:W1", "--part", "P1", "--qty", "9223372036854775808"], "not a quantity"),
                (["stock", "receive", "--as", "W1", "--location", "warehouse:W1", "--part", "P1", "--qty", "0.0001"], "not a quantity"),
                (["stock", "receive", "--as", "W 1", "--location", "warehouse:W1", "--part", "P1", "--qty", "1"], "principal"),
                (["stock", "receive", "--as", "W1", "--location", "truck:W1", "--part", "P1", "--qty", "1"], "not a stock location"),
                (["stock", "receive", "--as", "W1", "--location", "warehouse:" + String(repeating: "w", count: 65), "--part", "P1", "--qty", "1"], "not a stock location"),
                (["stock", "receive", "--as", "W1", "--location", "warehouse:W1", "--part", "P\u{200B}1\u{0}", "--qty", "1"], "part number"),
                (["stock", "receive", "--as", "W2", "--location", "warehouse:W1", "--part", "P1", "--qty", "1"], "may not record stock at warehouse:W1"),
                (["stock", "transfer", "--as", "W1", "--from", "warehouse:W1", "--to", "warehouse:W1", "--part", "P1", "--qty", "1"], "from one location to another"),
                (["stock", "transfer", "--as", "E17", "--from", "van:E17", "--to", "warehouse:W1", "--part", "P1", "--qty", "1"], "may not move stock out of van:E17"),
                (["stock", "writeoff", "--as", "W1", "--location", "warehouse:W1", "--part", "P1", "--qty", "1", "--reason", ""], "reason"),
                (["stock", "count", "--as", "W1", "--location", "warehouse:W1", "--part", "P1", "--qty", "1", "--at", "2999-01-01"], "later than now"),
                (["stock", "count", "--as", "W1", "--location", "warehouse:W1", "--part", "P1", "--qty", "1", "--at", "2026-02-30"], "not a date"),
                (["stock", "confirm", "--as", "W1", "transfer:X99-node-nope"], "no transfer"),
                (["stock", "confirm", "--as", "W1", "T1-node-nope"], "no transfer"),
                (["stock", "demand", "--from", "2026-12-01", "--to", "2026-11-01"], "before --to"),
                (["stock", "demand", "--from", "2026-11-01", "--to", "2026-12-01", "--by", "colour"], "model or fault"),
                (["stock", "reconcile", "--since", "yesterday"], "not a date"),
            ] {
                let r = try node(args)
                #expect(r.status != 0 && r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
                #expect(r.stderr.contains(needle), "\(args): \(r.stderr) lacks \(needle)")
            }
            #expect(try node(["stock", "reconcile", "--json"]).stdout == before)
            // A part number a spreadsheet would run as a formula is written as text.
            #expect(try node(["stock", "receive", "--location", "warehouse:W1", "--part", "=HYPERLINK(1)", "--qty", "1"]).status == 0)
            let csv = try node(["stock", "reconcile", "--csv"]).stdout
            #expect(csv.contains("warehouse:W1,'=HYPERLINK(1),") && !csv.contains(",=HYPERLINK"), "\(csv)")
        }
    }
}
