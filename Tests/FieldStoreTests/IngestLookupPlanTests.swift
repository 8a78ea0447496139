import FieldStore
import Foundation
import Testing

/// The lookups an ingest makes once per ticket of every push read through an index:
/// without one, each scanned its whole table (`ticket_scope` holds a row per engineer
/// and ticket), and a busy node's ingest slowed as the table grew. Plans are read with
/// the sqlite3 tool, on a store made by the current schema.
/// (Tools/test installs the sqlite3 tool: no machine skips this.)
@Suite struct IngestLookupPlanTests {
    func plan(_ path: String, _ sql: String) throws -> String {
        let p = Process()
        let out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, "EXPLAIN QUERY PLAN " + sql]
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "sqlite3 failed on: \(sql)")
        return text
    }

    @Test("a changed ticket's engineers and its quarantined ops are found by index, not by a scan")
    func perTicketLookupsUseAnIndex() throws {
        let r = try TempReplica(replica: "node-test")
        let path = r.dir + "/replica.sqlite"
        // As EntityScope.ticketsChanged and ReplicaStore.releaseQuarantine ask.
        let engineers = try plan(path, "SELECT engineer, since_seq FROM ticket_scope WHERE ticket = 'T1-node'")
        #expect(engineers.contains("INDEX ticket_scope_by_ticket"), "\(engineers)")
        let quarantined = try plan(
            path,
            "SELECT replica, counter FROM quarantine WHERE subject = 'T1-node' AND EXISTS (SELECT 1 FROM ticket_scope s WHERE s.engineer = quarantine.principal AND s.ticket = quarantine.subject)"
        )
        #expect(quarantined.contains("INDEX quarantine_by_subject"), "\(quarantined)")
        #expect(!quarantined.contains("SCAN quarantine"), "\(quarantined)")
    }

    @Test("a changed ticket's fitting articles and an article's fitting tickets are found by index, with no temporary b-tree")
    func articleLookupsUseAnIndex() throws {
        let r = try TempReplica(replica: "node-test")
        let path = r.dir + "/replica.sqlite"
        // As EntityScope.articles(fitting:) asks: an OR or a DISTINCT here built a
        // temporary b-tree at every changed ticket of every push.
        let fitting = try plan(
            path,
            """
            SELECT article FROM article_terms WHERE kind = 'm' AND term = 'x2'
            UNION ALL SELECT article FROM article_terms WHERE kind = 'c' AND term = 'e21'
            UNION ALL SELECT article FROM article_terms WHERE kind = 'k' AND instr('fan trips', term) > 0
            """)
        // (A MULTI-INDEX OR dedupes its rows through a temporary table its plan does not name.)
        #expect(!fitting.contains("TEMP B-TREE") && !fitting.contains("MULTI-INDEX OR"), "\(fitting)")
        #expect(!fitting.contains("SCAN article_terms"), "\(fitting)")
        // As EntityScope.engineers(fitting:) asks, for an article's device model and code.
        #expect(try plan(path, "SELECT id FROM tickets WHERE fact_model = 'x2'").contains("INDEX tickets_by_fact_model"))
        #expect(try plan(path, "SELECT id FROM tickets WHERE fact_code = 'e21'").contains("INDEX tickets_by_fact_code"))
    }
}
