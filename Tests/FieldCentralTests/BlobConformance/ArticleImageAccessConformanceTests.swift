import FieldModel
import FieldStore
import Testing

/// Who may move an article's image, on both backends: downloaded (never uploaded) by a
/// principal whose scope holds the live article that shows it, refused to anyone else, and
/// to everyone once the article left their scope or was retired.
@Suite struct ArticleImageAccessConformanceTests {
    typealias A = ArticleFixtures
    typealias B = BlobFixtures
    typealias F = SyncFixtures
    static let bytes = B.bytes(30_000, seed: 9)
    static let image = SHA256.hash(bytes)

    /// T1-chiller (an X2, E17's) and T2-boiler (a B1, E18's); the X2 article shows the image,
    /// stored whole at central as `kb import` stores it.
    static func published(_ store: any NodeStore, _ blobs: any NodeBlobStore) async throws -> Op {
        let t1 = A.ticket(1, "T1-chiller", model: "X2", fault: "trips", assignee: "E17")
        let t2 = A.ticket(2, "T2-boiler", model: "B1", fault: "noise", assignee: "E18")
        let x2 = A.publish(3, "x2-wiring", models: ["X2"], images: [image])
        let pushed = try await F.ingest(store, [t1, t2, x2], from: F.dispatcher, replica: F.desk)
        #expect(pushed.quarantined.isEmpty)
        try await B.upload(blobs, image, bytes, 0..<bytes.count, holder: "kb import")
        #expect(try await blobs.finish(image))
        return t1
    }

    @Test(arguments: Backend.allCases)
    func anImageIsDownloadedOnlyByThoseWhoseTicketTheArticleFits(_ backend: Backend) async throws {
        try await withBlobStore(backend) { store, blobs in
            _ = try await Self.published(store, blobs)
            // Downloadable with no proof of possession asked: central published it.
            for principal in [F.e17, F.dispatcher] {
                #expect(try await blobs.access(Self.image, for: principal) == .allowed(maxSize: 0), "\(principal.name)")
                #expect(try await blobs.mayDownload(Self.image, for: principal), "\(principal.name)")
            }
            // Never uploaded by a device: no byte fits in size 0, and the blob is whole.
            #expect(await B.refusal { try await blobs.beginUpload(Self.image, at: 0, holder: "E17") } == .blobComplete)
            // E18's boiler ticket does not fit it; nor does any hostile name.
            for principal in [F.e18] + BlobAccessConformanceTests.hostile {
                #expect(try await blobs.access(Self.image, for: principal) == .forbidden, "\(principal.name)")
                #expect(try await !blobs.mayDownload(Self.image, for: principal), "\(principal.name)")
            }
            // A digest no article or ticket shows is unreferenced, to everyone.
            let stray = SHA256.hash(Array(Self.bytes.prefix(100)))
            for principal in [F.e17, F.dispatcher] {
                #expect(try await blobs.access(stray, for: principal) == .unreferenced)
                #expect(try await !blobs.mayDownload(stray, for: principal))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func anImageForEveryoneIsDownloadedByAnyEngineer(_ backend: Backend) async throws {
        try await withBlobStore(backend) { store, blobs in
            _ = try await Self.published(store, blobs)
            let safety = SHA256.hash([4, 5, 6])
            _ = try await F.ingest(store, [A.publish(4, "safety", everyone: true, images: [safety])], from: F.dispatcher, replica: F.desk)
            for principal in [F.e17, F.e18, F.dispatcher] {
                #expect(try await blobs.access(safety, for: principal) == .allowed(maxSize: 0), "\(principal.name)")
                #expect(try await blobs.mayDownload(safety, for: principal), "\(principal.name)")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func anImageIsRefusedOnceItsArticleLeftTheScopeOrWasRetired(_ backend: Backend) async throws {
        try await withBlobStore(backend) { store, blobs in
            let t1 = try await Self.published(store, blobs)
            // The ticket is now a B1: the X2 article left E17's scope.
            let moved = A.set(4, "T1-chiller", Field.deviceModel, "B1", replacing: [t1.id])
            _ = try await F.ingest(store, [moved], from: F.dispatcher, replica: F.desk)
            #expect(try await blobs.access(Self.image, for: F.e17) == .forbidden)
            #expect(try await !blobs.mayDownload(Self.image, for: F.e17))
            #expect(try await blobs.mayDownload(Self.image, for: F.dispatcher))
            // An X2 again: back in scope.
            _ = try await F.ingest(store, [A.set(5, "T1-chiller", Field.deviceModel, "X2", replacing: [moved.id])], from: F.dispatcher, replica: F.desk)
            #expect(try await blobs.mayDownload(Self.image, for: F.e17))
            // Retired: no live article shows it, so nobody may move it.
            _ = try await F.ingest(store, [A.retire(6, "x2-wiring")], from: F.dispatcher, replica: F.desk)
            for principal in [F.e17, F.e18, F.dispatcher] {
                #expect(try await blobs.access(Self.image, for: principal) == .unreferenced, "\(principal.name)")
                #expect(try await !blobs.mayDownload(Self.image, for: principal), "\(principal.name)")
            }
            // A new version without the image: still not downloadable.
            _ = try await F.ingest(store, [A.publish(7, "x2-wiring", version: 2, models: ["X2"])], from: F.dispatcher, replica: F.desk)
            #expect(try await blobs.access(Self.image, for: F.e17) == .unreferenced)
        }
    }
}
