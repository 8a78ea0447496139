// fieldsync-bench: performance figures for FieldSync, one benchmark per subcommand.
// Run it through Tools/bench, which builds it in release first. The report goes to
// standard output; progress, usage and errors to standard error.
import Foundation

let usage = """
    usage: fieldsync-bench [SUBCOMMAND]
      store   ReplicaStore.apply rate vs. a raw GRDB insert of the same rows (the default)
      wire    our frames' size and speed vs. Loro and Yrs on an engineer's day
      sync    the real node: one day's sync, 200 engineers at once, ingest vs. raw insert
      blobs   the real node: 1 MB and 50 MB blob upload/download vs. cp, node peak memory
      kb      offline article search on 10,000 guides: index size vs. text, latency p50/p99;
          the first pull of them through the real node, and the re-pull after 1% changed
      pg      the central on PostgreSQL: ingest vs. the SQLite node, the 200-engineer shift end
          through 1, 2 and 4 nodes on one database vs. the SQLite node, a pull's latency
          while they push, and no op skipped (needs FIELDSYNC_TEST_POSTGRES: Tools/bench pg)
      stock   the stock ledger at issue 25's scale (1M movements and part lines): take-in,
          reconcile, one more movement, memory; the model's ledger, then the store's (which
          runs as its own process, stock-store)
      stock-store  the store's section of stock alone
      depot   a depot relaying a 200-engineer shift end (ops and photos) to central: seconds, ops/s,
          photo MB/s, wire bytes, beside the same day pushed straight to central
    """

func fail(_ message: String, status: Int32) -> Never {
    var err = StandardError()
    print(message, to: &err)
    exit(status)
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.count > 1 { fail(usage, status: 2) }

do {
    switch arguments.first ?? "store" {
    case "-h", "--help", "help": print(usage)
    case "store": try StoreBench.run()
    case "wire": try WireBench.run()
    case "sync": try await SyncBench.run()
    case "blobs": try await BlobsBench.run()
    case "kb": try await KBBench.run()
    case "pg": try await PgBench.run()
    case "stock": try StockBench.run()
    case "stock-store": try StockStoreBench.run()
    case "depot": try await DepotBench.run()
    default: fail(usage, status: 2)
    }
} catch {
    fail("fieldsync-bench: \(error)", status: 1)
}
