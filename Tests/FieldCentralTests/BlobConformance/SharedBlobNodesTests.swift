import FieldCentral
import FieldModel
import FieldStore
import NIOCore
import PostgresNIO
import Testing

/// Several node processes on one PostgreSQL database share blobs and their upload leases:
/// each node here has a client (connection pool) of its own, as separate processes do.
@Suite struct SharedBlobNodesTests {
    typealias B = BlobFixtures
    static let bytes = B.bytes(3 * BlobContent.pieceLimit + 1_000, seed: 5)
    static let digest = SHA256.hash(bytes)

    @Test func anUploadThroughOneNodeHoldsTheBlobOnEveryNode() async throws {
        // Idle for 2 minutes before a lease goes stale, and the stall below made by moving
        // its last byte back in the database: a test process busy with 300 others once took
        // over 2 s between the append and the checks, and saw a 2 s lease already stale.
        let leases = UploadLease.Policy(idle: .seconds(120), expiry: .seconds(3600))
        try await withCentral { clientA, _, database in
            try await withClient(database) { clientB in
                let a = PostgresNodeBlobStore(client: clientA, logger: testLogger, leases: leases)
                let b = PostgresNodeBlobStore(client: clientB, logger: testLogger, leases: leases)
                let d = Self.digest
                let upload = try await a.beginUpload(d, at: 0, holder: "E17")
                try await upload.append(ByteBuffer(bytes: Self.bytes[0..<B.piece]))
                // Node B sees the bytes A stored, and that A's upload is live: refused for anyone.
                #expect(try await b.state(of: d) == .partial(received: UInt64(B.piece)))
                #expect(try await b.isUploading(d, for: "E17"))
                #expect(await B.refusal { try await b.beginUpload(d, at: UInt64(B.piece), holder: "E17") } == .uploadBusy)
                #expect(await B.refusal { try await b.finish(d) } == .uploadBusy)
                // A stalls (its last byte 3 minutes ago, by the database's clock); the device
                // comes back through B and takes the upload over there.
                try await clientA.query(
                    "UPDATE blob_leases SET last_byte = last_byte - interval '3 minutes' WHERE sha256 = \(d.hex)", logger: testLogger)
                let resumed = try await b.beginUpload(d, at: UInt64(B.piece), holder: "E17")
                #expect(await B.refusal { try await upload.append(ByteBuffer(repeating: 0xEE, count: B.piece)) } == .uploadBusy)
                try? await upload.close()
                try await resumed.append(ByteBuffer(bytes: Self.bytes[B.piece...]))
                try await resumed.close()
                #expect(try await a.finish(d))
                let content = try #require(try await a.content(of: d))
                #expect(try await B.read(content).bytes == Self.bytes)
                #expect(try await B.read(try #require(try await b.content(of: d))).bytes == Self.bytes)
            }
        }
    }

    @Test func twoNodesStartingOneUploadAtOnceGiveItToOne() async throws {
        try await withCentral { clientA, _, database in
            try await withClient(database) { clientB in
                // Uploads of one holder may take over its own upload after `idle`: ten minutes
                // here, so a test process slowed by its neighbours never sees four attempts "at
                // once" as one idle and then another (two winners, by the rule, not a race).
                let leases = UploadLease.Policy(idle: .seconds(600), expiry: .seconds(3600))
                let nodes = [
                    PostgresNodeBlobStore(client: clientA, logger: testLogger, leases: leases),
                    PostgresNodeBlobStore(client: clientB, logger: testLogger, leases: leases),
                ]
                for round in 0..<5 {
                    let d = SHA256.hash([UInt8(round)])
                    let results = await withTaskGroup(of: Result<any BlobUpload, StoreError>.self) { group in
                        for node in nodes + nodes {
                            group.addTask { await BlobUploadConformanceTests.attempt { () async throws(StoreError) in try await node.beginUpload(d, at: 0, holder: "E17") } }
                        }
                        return await group.reduce(into: []) { $0.append($1) }
                    }
                    let won = results.compactMap { try? $0.get() }
                    #expect(won.count == 1, "round \(round)")
                    for upload in won { try await upload.close() }
                }
            }
        }
    }
}
