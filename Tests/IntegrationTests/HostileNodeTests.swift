import FieldModel
import FieldTestSupport
import FieldWire
import Foundation
import Testing

/// What a device does with numbers a confused or hostile node sends back: it must not
/// trap, and must not believe the node holds ops it never sent.
@Suite struct HostileNodeTests {
    @Test("an ack of UInt64.max neither crashes the device nor makes it skip its next ops")
    func hugeAck() async throws {
        try await onOwnThread {
            let node = try HostileNode { _, path, body in
                guard path == "/v1/sync", let messages = try? Frame.decode(body) else { return (404, []) }
                let replica = messages.compactMap { if case .hello(let h) = $0 { h.replica } else { nil } }.first ?? ReplicaID("x")!
                return (200, Frame.encode([
                    .hello(Hello(replica: ReplicaID("node-evil")!, clock: UInt64.max)),
                    .pushAck(PushAck(acked: VersionVector([replica: UInt64.max]))),
                    .pullPage(PullPage(ops: [], nextCursor: [], more: false)),
                ]))
            }
            defer { node.stop() }
            let folder = try TempFolder("fieldsync-hostile-node")
            let device = Engineer(name: "E1", home: folder.path + "/e1")
            try device.ok("init", "--engineer", "E1")
            try device.ok("login", "--node", node.url, "--token", "fs_anything")
            let first = try device.run("sync", "--json")
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.object["pushed"] as? Int == 0, "nothing was recorded, so nothing was pushed")
            // Work recorded after that sync must still go to the node at the next one.
            try device.ok("ticket", "create", "--customer", "Acme", "--site", "P3", "--device-model", "X2", "--category", "repair", "--fault", "trips")
            let second = try device.run("sync", "--json")
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.object["pushed"] as? Int == 1)
            #expect(node.requests.filter { $0 == "POST /v1/sync" }.count == 2)
            }
    }
}
