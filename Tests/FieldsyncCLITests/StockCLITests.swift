import FieldTestSupport
import Foundation
import Testing

/// The van's stock on the device, offline (M7): counts and returns recorded and
/// reconciled with no node; hostile values refused in one line, recording nothing.
@Suite struct StockCLITests {
    @Test("offline: a count and a return are recorded and reconciled against the van's part lines; hostile values are refused and record nothing")
    func vanOffline() throws {
        let cli = try CLI()
        let t = try cli.readyTicket()
        let used = try cli.ok("part", "add", t, "CAP-35UF", "--qty", "3")
        #expect(used.stderr.contains("warning: your van should hold 0 of CAP-35UF, fewer than the 3 used"), "\(used.stderr)")
        let counted = try #require(try cli.ok("stock", "count", "--part", "CAP-35UF", "--qty", "4", "--json").json as? [String: Any])
        // Nothing came in, 3 went out: −3 expected, the count finds 7 more.
        #expect(counted["expected"] as? String == "-3" && counted["negative"] as? Bool == true && counted["discrepancy"] as? String == "7")
        let back = try cli.ok("stock", "return", "--part", "CAP-35UF", "--qty", "1", "--to", "warehouse:W1").stdout
        #expect(back.hasPrefix("transfer:X") && back.hasSuffix("\n"))
        let shown = try #require(try cli.ok("stock", "--json").json as? [String: Any])
        #expect(shown["van"] as? String == "van:E17")
        let line = try #require((shown["lines"] as? [[String: Any]])?.first)
        #expect(line["returned"] as? String == "1" && line["expected"] as? String == "-4" && line["consumed"] as? String == "3")
        let today = try cli.ok("stock", "today").stdout
        #expect(today.contains("CAP-35UF: used 3 on \(t) (3); returned 1; now -4"), "\(today)")

        let before = try cli.ok("stock", "--json").stdout
        for (args, needle) in [
            (["stock", "count", "--part", "CAP-35UF", "--qty=-1"], "0 or more"),
            (["stock", "count", "--part", "CAP-35UF", "--qty", "1000000001"], "over the most"),
            (["stock", "count", "--part", "CAP 35UF", "--qty", "1"], "part number"),
            (["stock", "count", "--part", "CAP-35UF", "--qty", "9223372036854775807"], "quantity"),
            (["stock", "return", "--part", "CAP-35UF", "--qty", "0", "--to", "warehouse:W1"], "greater than 0"),
            (["stock", "return", "--part", "CAP-35UF", "--qty", "1", "--to", "the depot"], "not a stock location"),
            (["stock", "return", "--part", "CAP-35UF", "--qty", "1", "--to", "van:E17"], "from one location to another"),
            (["stock", "receive", "transfer:X1-node-aa11"], "no transfer"),
            (["stock", "receive", "stock:van:E17"], "no transfer"),
        ] {
            let r = try cli.run(args)
            #expect(r.status != 0 && r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
            #expect(r.stderr.lowercased().contains(needle.lowercased()), "\(args): \(r.stderr) lacks \(needle)")
        }
        #expect(try cli.ok("stock", "--json").stdout == before)
    }
}
