import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import Testing

/// The possession proof of SPEC §7.3, against its vector, and the store's challenges.
@Suite struct BlobProofTests {
    func hex(_ text: String) throws -> [UInt8] {
        try #require(text.count % 2 == 0)
        return try stride(from: 0, to: text.count, by: 2).map { i in
            let start = text.index(text.startIndex, offsetBy: i)
            return try #require(UInt8(text[start..<text.index(start, offsetBy: 2)], radix: 16))
        }
    }

    @Test("the vector: SHA-256(nonce ‖ blob) from the file, and any other nonce or byte gives another proof")
    func vector() throws {
        let json = try #require(JSONSerialization.jsonObject(with: Data(try VectorFiles.text("possession", "proof.json").utf8)) as? [String: String])
        let nonce = try hex(try #require(json["nonce"]))
        let blob = try hex(try #require(json["blob"]))
        let dir = try TempFolder("proof")
        let file = dir.path + "/blob"
        try Data(blob).write(to: URL(fileURLWithPath: file))
        #expect(SHA256.hash(blob).hex == json["sha256"])
        let proof = try BlobProof.compute(nonce: nonce, file: file)
        #expect(proof.hex == json["proof"])
        #expect(proof == SHA256.hash(nonce + blob))
        var other = nonce
        other[31] ^= 1
        #expect(try BlobProof.compute(nonce: other, file: file) != proof)
        try Data(blob.dropLast()).write(to: URL(fileURLWithPath: file))
        #expect(try BlobProof.compute(nonce: nonce, file: file) != proof)
        #expect(BlobProof.matches(proof, proof))
        #expect(!BlobProof.matches(proof, SHA256.hash(nonce)))
    }

    @Test("nonces are 32 random bytes, never the same twice")
    func nonces() {
        let a = BlobProof.makeNonce()
        let b = BlobProof.makeNonce()
        #expect(a.count == 32 && b.count == 32)
        #expect(a != b)
    }

    @Test("a challenge is taken once; a new one replaces the open one; expired ones are dropped")
    func challenges() throws {
        let dir = try TempFolder("challenges")
        let store = try ReplicaStore.create(at: dir.path + "/r.sqlite", replica: ReplicaID("node-test")!, engineer: "")
        let blob = SHA256.hash(Array("blob".utf8))
        let first = SHA256.hash(Array("nonce 1".utf8))
        let second = SHA256.hash(Array("nonce 2".utf8))
        try store.openChallenge(blob, principal: "E21", nonceHash: first, expires: 1_000)
        try store.openChallenge(blob, principal: "E21", nonceHash: second, expires: 2_000)
        let taken = try #require(try store.takeChallenge(blob, principal: "E21"))
        #expect(taken.nonceHash == second && taken.expires == 2_000)
        #expect(try store.takeChallenge(blob, principal: "E21") == nil)
        #expect(try store.takeChallenge(blob, principal: "E17") == nil)
        try store.openChallenge(blob, principal: "E21", nonceHash: first, expires: UInt64.max)
        try store.openChallenge(blob, principal: "E22", nonceHash: first, expires: 5)
        try store.dropExpiredChallenges(now: 10)
        #expect(try store.takeChallenge(blob, principal: "E22") == nil)
        #expect(try store.takeChallenge(blob, principal: "E21") != nil)
        #expect(try !store.hasPossession(blob, principal: "E21"))
        try store.recordPossession(blob, principal: "E21", now: UInt64.max)
        #expect(try store.hasPossession(blob, principal: "E21"))
    }
}
