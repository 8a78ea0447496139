import FieldModel
import FieldStore
import FieldTestSupport
import FieldWire
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The real node and real replicas: dispatch, offline work, concurrent edits, syncs in
/// several orders, resends and interrupted syncs.
@Suite(.serialized) struct SyncTests {
    @Test func offlineWorkConvergesAndConflictsShowOnBothSides() async throws {
        try await onOwnThread {
            let field = try Field()
            let t1 = try field.dispatch("E17")
            let t2 = try field.dispatch("E21", customer: "Bolt Ltd")
            let e17 = try field.engineer("E17")
            let e21 = try field.engineer("E21")
            try e17.ok("sync")
            try e21.ok("sync")
            // Scope: each engineer holds only their own ticket.
            #expect((try e17.ok("tickets", "--json").json as? [[String: Any]])?.compactMap { $0["id"] as? String } == [t1])
            #expect(try e17.run("show", t2).status != 0)
            #expect(try e21.run("show", t1).status != 0)

            // Offline: both engineers work; the dispatcher changes T1's priority meanwhile.
            try e17.ok("accept", t1)
            try e17.ok("depart", t1)
            try e17.ok("arrive", t1, "--lat", "52.52", "--lon", "13.40", "--accuracy", "6")
            try e17.ok("note", t1, "Fan seized")
            try e17.ok("part", "add", t1, "FAN-220", "--qty", "1")
            try e17.ok("set", t1, "priority", "high")
            try e21.ok("accept", t2)
            try e21.ok("note", t2, "Waiting for the key")
            #expect(try field.node.admin("ticket", "set", t1, "priority", "urgent").status == 0)

            // Syncs in several orders.
            try e21.ok("sync")
            try e17.ok("sync")
            try e21.ok("sync")
            try e17.ok("sync")

            let central1 = try field.central(t1)
            #expect(try e17.digest(t1) == central1["digest"] as? String)
            #expect(try e21.digest(t2) == (try field.central(t2))["digest"] as? String)
            for view in [central1, try e17.show(t1)] {
                let conflicts = view["conflicts"] as? [[String: Any]] ?? []
                #expect(conflicts.map { $0["subject"] as? String } == ["priority"])
                let values = (conflicts.first?["values"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? String }
                #expect(Set(values) == ["high", "urgent"])
            }
            #expect(central1["status"] as? String == "on-site")
            #expect(try e17.ok("conflicts").stdout.contains("priority"))

            // The engineer settles it; the next syncs carry that everywhere.
            try e17.ok("resolve", t1, "priority", "urgent")
            try e17.ok("sync")
            #expect((try field.central(t1)["conflicts"] as? [Any])?.isEmpty == true)
            #expect(try e17.digest(t1) == (try field.central(t1))["digest"] as? String)
            #expect(field.node.log.contains("ops_in="))
            }
    }

    @Test("a ticket assigned while the engineer was offline arrives whole, with its history")
    func reassignedTicketArrivesWhole() async throws {
        try await onOwnThread {
            let field = try Field()
            let t = try field.dispatch("E21")
            let e21 = try field.engineer("E21")
            let e17 = try field.engineer("E17")
            try e17.ok("sync")
            try e21.ok("sync")
            try e21.ok("note", t, "Key is at reception")
            try e21.ok("sync")
            #expect(try field.node.admin("ticket", "assign", t, "E17").status == 0)
            try e17.ok("sync")
            let view = try e17.show(t)
            #expect((view["notes"] as? [[String: Any]])?.first?["text"] as? String == "Key is at reception")
            #expect(try e17.digest(t) == (try field.central(t))["digest"] as? String)
            // E21 keeps seeing the ticket they worked on.
            try e21.ok("sync")
            #expect(try e21.digest(t) == (try field.central(t))["digest"] as? String)
        }
    }

    @Test func aResentPushChangesNothing() async throws {
        let field = try Field()
        let t = try field.dispatch("E17")
        let e17 = try field.engineer("E17")
        try e17.ok("sync")
        try e17.ok("note", t, "first")
        try e17.ok("sync")
        let before = try field.centralDigests()
        // Send the engineer's ops again, exactly as a retried request would.
        let store = try ReplicaStore.open(at: e17.home + "/replica.sqlite")
        let mine = try store.unacknowledged(after: 0, limit: 100)
        #expect(mine.count == 1)
        let token = try String(contentsOfFile: e17.home + "/token", encoding: .utf8)
        let frame = Frame.encode([.hello(Hello(replica: store.identity.replica, clock: DeviceClockForTests.now())), .push(Push(ops: mine))])
        for _ in 0..<2 {
            let (status, body) = try await field.post(frame, token: token)
            #expect(status == 200)
            let ack = try Frame.decode(body).compactMap { if case .pushAck(let a) = $0 { a } else { nil } }.first
            #expect(ack?.acked[store.identity.replica] == 1)
        }
        #expect(try field.centralDigests() == before)
    }

    @Test("a sync killed after the node committed, before the device did, converges when rerun")
    func killedSyncConverges() async throws {
        try await onOwnThread {
            let field = try Field()
            let t = try field.dispatch("E17")
            let e17 = try field.engineer("E17")
            try e17.ok("sync")
            try e17.ok("arrive", t, "--lat", "1", "--lon", "2")
            try e17.ok("note", t, "crash test")
            #expect(try field.node.admin("ticket", "set", t, "fault-code", "E42").status == 0)
            let killed = try e17.run("sync", env: [ReplicaStore.crashTestVariable: "inside-transaction"])
            #expect(killed.killedBySignal)
            // The node has the push; the device has not recorded the ack or the pulled page.
            #expect(((try field.central(t))["notes"] as? [Any])?.count == 1)
            #expect((try e17.show(t)["fields"] as? [String: String])?["fault-code"] == nil)
            try e17.ok("sync")
            #expect((try e17.show(t)["fields"] as? [String: String])?["fault-code"] == "E42")
            #expect(try e17.digest(t) == (try field.central(t))["digest"] as? String)
            #expect(((try field.central(t))["notes"] as? [Any])?.count == 1)
        }
    }

    @Test("a device whose clock is an hour fast is neither refused nor trusted: times are flagged")
    func skewedClockIsFlagged() async throws {
        try await onOwnThread {
            let field = try Field()
            let t = try field.dispatch("E17")
            let e17 = try field.engineer("E17", env: ["FIELDSYNC_TEST_CLOCK_SKEW_MS": "3600000"])
            let first = try e17.ok("sync", "--json").object
            #expect(((first["clockOffsetMs"] as? Int) ?? 0) < -3_500_000)
            try e17.ok("arrive", t, "--lat", "1", "--lon", "2")
            try e17.ok("sync")
            let arrival = ((try field.central(t))["timeline"] as? [[String: Any]] ?? []).last
            #expect(arrival?["kind"] as? String == "arrived")
            #expect((arrival?["clockSkew"] as? String)?.contains("fast") == true)
            #expect(try field.node.admin("ticket", "show", t).stdout.contains("min fast"))
            // The node keeps the offset it measured, per device.
            let devices = try field.node.admin("devices", "--json").object
            #expect(((devices.values.first as? Int) ?? 0) < -3_500_000)
            #expect(try field.node.admin("devices").stdout.contains("min fast"))
        }
    }

    @Test func noSignalKeepsEverythingLocal() async throws {
        try await onOwnThread {
            let field = try Field()
            let t = try field.dispatch("E17")
            let e17 = try field.engineer("E17")
            try e17.ok("sync")
            try e17.ok("note", t, "offline note")
            field.node.stop()
            let started = Date()
            let r = try e17.run("sync")
            // No connection means no signal: say so at once (a bound far above the time it
            // takes, far below the minute it took while the HTTP client retried to its deadline).
            #expect(Date().timeIntervalSince(started) < 8)
            #expect(r.status != 0)
            #expect(r.stderr.contains("cannot reach the node"))
            #expect(r.stderr.contains("safe"))
            #expect((try e17.show(t)["notes"] as? [Any])?.count == 1)
            }
    }
}

/// The test process's own clock, for hand-made frames.
enum DeviceClockForTests {
    static func now() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}

/// What operators rely on: health, metrics, token revocation, graceful stop.
@Suite(.serialized) struct OperationsTests {
    @Test func healthMetricsRevocationAndGracefulStop() async throws {
        let field = try Field()
        let t = try field.dispatch("E17")
        let e17 = try field.engineer("E17")
        try e17.ok("sync")
        try e17.ok("note", t, "metrics")
        try e17.ok("sync")
        let health = try await URLSession.shared.data(from: URL(string: field.node.url + "/healthz")!)
        #expect(String(decoding: health.0, as: UTF8.self) == "ok\n")
        let metrics = String(decoding: try await URLSession.shared.data(from: URL(string: field.node.url + "/metrics")!).0, as: UTF8.self)
        for name in ["fieldsync_syncs_total 2", "fieldsync_ops_in_total 1", "fieldsync_bytes_in_total", "fieldsync_sync_duration_seconds_bucket"] {
            #expect(metrics.contains(name), "metrics lack \(name)")
        }
        // The token file is the user's alone; the node's log never shows it.
        let mode = try FileManager.default.attributesOfItem(atPath: e17.home + "/token")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let token = try String(contentsOfFile: e17.home + "/token", encoding: .utf8)
        #expect(!field.node.log.contains(token))
        // Revoked: the next sync is refused and says what to do.
        let id = ((try field.node.admin("token", "list", "--json").json as? [[String: Any]]) ?? []).first { $0["name"] as? String == "E17" }?["id"] as? String
        #expect(try field.node.admin("token", "revoke", id ?? "").status == 0)
        let refused = try e17.run("sync")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("did not accept the token"))
        #expect(field.node.stop() == 0)
    }
}
