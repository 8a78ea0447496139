import FieldModel
import FieldTestSupport
import FieldWire
import Foundation

/// A node with two engineers who have really synced (E1 with a photo), a revoked token,
/// and an op declaring a blob that was never uploaded: what the matrix attacks.
enum InputSetup {
    static func make(node: ChaosNode, scratch: Scratch) throws -> (InputContext, Replica, [String]) {
        let e1Token = try node.adminOK("token", "create", "--role", "engineer", "--name", "E1")
        let e2Token = try node.adminOK("token", "create", "--role", "engineer", "--name", "E2")
        let revoked = try JSONSerialization.jsonObject(with: Data(try node.adminOK("token", "create", "--role", "engineer", "--name", "E3", "--json").utf8)) as? [String: Any] ?? [:]
        guard let revokedID = revoked["id"] as? String, let revokedToken = revoked["token"] as? String else { throw ChaosError("token create --json: no id/token") }
        _ = try node.adminOK("token", "revoke", revokedID)
        let ticketA = try dispatch(node, to: "E1")
        let ticketB = try dispatch(node, to: "E2")

        let e1 = Replica(name: "e1", engineer: "E1", home: scratch.sub("e1"))
        try e1.setUp(node: node.url, token: e1Token)
        let e2 = Replica(name: "e2", engineer: "E2", home: scratch.sub("e2"))
        try e2.setUp(node: node.url, token: e2Token)
        var rng = SeededRandom(seed: 21)
        let photo = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let photoPath = scratch.sub("photo.jpg")
        _ = FileManager.default.createFile(atPath: photoPath, contents: Data(photo))
        for (replica, ticket) in [(e1, ticketA), (e2, ticketB)] {
            try sync(replica)
            guard try replica.record(["note", ticket, "setup note"]) != nil else { throw ChaosError("\(replica.name): note refused") }
        }
        guard let attached = try e1.record(["photo", ticketA, photoPath, "--caption", "setup"]), let photoSHA = attached["sha256"] as? String else {
            throw ChaosError("e1: photo refused")
        }
        try sync(e1)
        try sync(e2)

        // The node's replica id, from its own hello.
        let answer = RawHTTP.exchange(port: node.port, RawRequest(method: "POST", target: "/v1/sync", headers: [("Authorization", "Bearer \(e1Token)")],
            body: Frame.encode([HostileBodies.hello(e1.id), HostileBodies.pull()])))
        guard answer.status == 200, let messages = try? Frame.decode(answer.body),
              let nodeReplica = messages.compactMap({ if case .hello(let h) = $0 { h.replica.rawValue } else { nil } }).first
        else { throw ChaosError("a pull answered \(answer.summary), with no hello") }

        // An op declaring a 4096-byte blob that is never uploaded (its bytes are kept).
        var pendingRNG = SeededRandom(seed: 4096)
        let pendingBytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &pendingRNG) }
        let pendingDigest = SHA256.hash(pendingBytes)
        let declare = HostileBodies.op(1, by: "e1-chaos-declare", on: ticketA,
            .attachmentAdded(Attachment(kind: .photo, sha256: pendingDigest, byteSize: 4096, mediaType: "image/jpeg", caption: "never uploaded")))
        let declared = RawHTTP.exchange(port: node.port, RawRequest(method: "POST", target: "/v1/sync", headers: [("Authorization", "Bearer \(e1Token)")],
            body: HostileBodies.push("e1-chaos-declare", [declare])))
        guard declared.status == 200 else { throw ChaosError("declaring a blob was answered \(declared.summary)") }

        // E2 attaches E1's photo by its hash alone (it never held the bytes).
        let thief = HostileBodies.op(1, by: "e2-chaos-thief", on: ticketB,
            .attachmentAdded(Attachment(kind: .photo, sha256: Digest(hex: photoSHA)!, byteSize: UInt64(photo.count), mediaType: "image/jpeg", caption: "not mine")))
        let stolen = RawHTTP.exchange(port: node.port, RawRequest(method: "POST", target: "/v1/sync", headers: [("Authorization", "Bearer \(e2Token)")],
            body: HostileBodies.push("e2-chaos-thief", [thief])))
        guard stolen.status == 200 else { throw ChaosError("attaching a known hash was answered \(stolen.summary)") }

        // Eight one-letter notes a second apart: the smallest encoding the spec allows
        // (1-byte heads). A node must store them; the first hole a hostile client found was
        // a device that could never sync again after such notes.
        var setupFindings: [String] = []
        let start = HostileBodies.nowMillis - 20_000
        let minimal = (1...8).map { HostileBodies.note(UInt64($0), by: "e1-chaos-minimal", on: ticketA, text: "n", wall: start + UInt64($0) * 1000) }
        for compress in [false, true] {
            let answer = RawHTTP.exchange(port: node.port, RawRequest(method: "POST", target: "/v1/sync", headers: [("Authorization", "Bearer \(e1Token)")],
                body: HostileBodies.push("e1-chaos-minimal", minimal, compress: compress)))
            if answer.status != 200 {
                setupFindings.append("[setup] 8 one-letter notes a second apart (minimal encoding\(compress ? ", zstd" : "")): expected 200 (stored); got \(answer.summary)")
            }
        }

        let nodeOps = try OpTable.read(node.data + "/node.sqlite")
        func next(_ replica: String) -> UInt64 { UInt64(nodeOps.filter { $0.replica == replica }.map(\.counter).max() ?? 0) + 1 }
        let context = InputContext(
            port: node.port, e1Token: e1Token, e2Token: e2Token, revokedToken: revokedToken, ticketA: ticketA, ticketB: ticketB,
            e1Replica: e1.id, e1Next: next(e1.id), e2Replica: e2.id, e2Next: next(e2.id), nodeReplica: nodeReplica, nodeNext: next(nodeReplica),
            photo: photo, photoSHA: photoSHA, pendingSHA: pendingDigest.hex, pendingSize: 4096)
        return (context, e1, setupFindings)
    }

    static func dispatch(_ node: ChaosNode, to engineer: String) throws -> String {
        try node.adminOK("ticket", "create", "--customer", "Acme Foods", "--site", "Plant 3", "--device-model", "Chiller X2",
                         "--category", "repair", "--fault", "Compressor trips", "--assign", engineer)
    }

    static func sync(_ replica: Replica) throws {
        let r = try replica.run(["sync", "--json"])
        guard r.status == 0 else { throw ChaosError("\(replica.name): sync failed: \(r.stderr)") }
    }
}
