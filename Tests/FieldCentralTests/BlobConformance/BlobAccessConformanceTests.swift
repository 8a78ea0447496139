import FieldModel
import FieldStore
import Testing

/// Who may move a blob, on both backends: only blobs ops on tickets in the caller's scope
/// refer to; downloads only through a reference whose attacher proved it holds the bytes.
@Suite struct BlobAccessConformanceTests {
    typealias B = BlobFixtures
    typealias F = SyncFixtures
    static let bytes = B.bytes(40_000, seed: 3)
    static let digest = SHA256.hash(bytes)

    static let hostile = [
        Principal(name: "E17' OR '1'='1", role: .engineer), Principal(name: "", role: .engineer), Principal(name: "e17", role: .engineer),
        Principal(name: "E17 ", role: .engineer), Principal(name: "工程师", role: .engineer), Principal(name: "%", role: .engineer),
    ]

    @Test(arguments: Backend.allCases)
    func aBlobNoOpRefersToIsRefusedToEveryone(_ backend: Backend) async throws {
        try await withBlobStore(backend) { store, blobs in
            try await B.attached(store, Self.digest, size: 40_000)
            let stray = SHA256.hash([1, 2, 3])
            for principal in [F.dispatcher, F.e17, F.e18, Principal(name: "root", role: .admin)] + Self.hostile {
                #expect(try await blobs.access(stray, for: principal) == .unreferenced, "\(principal.name)")
                #expect(try await !blobs.mayDownload(stray, for: principal), "\(principal.name)")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aBlobMovesOnlyWithinTheCallersScope(_ backend: Backend) async throws {
        try await withBlobStore(backend) { store, blobs in
            let d = Self.digest
            try await B.attached(store, d, size: 40_000)
            #expect(try await blobs.access(d, for: F.e17) == .allowed(maxSize: 40_000))
            #expect(try await blobs.access(d, for: F.dispatcher) == .allowed(maxSize: 40_000))
            #expect(try await blobs.access(d, for: F.e18) == .forbidden)
            for principal in Self.hostile {
                #expect(try await blobs.access(d, for: principal) == .forbidden, "\(principal.name)")
            }
            // Attached again on the same ticket: the size the ticket first declared stays.
            _ = try await F.ingest(store, [B.attach(F.tab17, 2, on: "T1-pump", d, size: 90_000)], from: F.e17, replica: F.tab17)
            #expect(try await blobs.access(d, for: F.e17) == .allowed(maxSize: 40_000))
            // On another ticket with a larger size: the largest any ticket declares bounds an upload.
            _ = try await F.ingest(store, [F.created(F.desk, 2, "T2-fan", assignee: "E17")], from: F.dispatcher, replica: F.desk)
            _ = try await F.ingest(store, [B.attach(F.tab17, 3, on: "T2-fan", d, size: 90_000)], from: F.e17, replica: F.tab17)
            #expect(try await blobs.access(d, for: F.e17) == .allowed(maxSize: 90_000))
            // E18 attaching it on a ticket not theirs is quarantined: no reference for them.
            let pushed = try await F.ingest(store, [B.attach(F.tab18, 1, on: "T1-pump", d, size: 40_000)], from: F.e18, replica: F.tab18)
            #expect(pushed.quarantined.count == 1)
            #expect(try await blobs.access(d, for: F.e18) == .forbidden)
            // Assigned to E18 later: in scope from then on.
            let assigned = try await F.ingest(
                store, [F.assign(F.desk, 3, "T1-pump", to: "E18", replacing: [OpID(replica: F.desk, counter: 1)])], from: F.dispatcher,
                replica: F.desk)
            #expect(assigned.quarantined.isEmpty)
            #expect(try await blobs.access(d, for: F.e18) == .allowed(maxSize: 90_000))
        }
    }

    @Test(arguments: Backend.allCases)
    func aDownloadNeedsAProvenAttacherInScope(_ backend: Backend) async throws {
        try await withBlobStore(backend) { store, blobs in
            let d = Self.digest
            try await B.attached(store, d, size: 40_000)
            try await B.upload(blobs, d, Self.bytes, 0..<Self.bytes.count)
            #expect(try await blobs.finish(d))
            // Held whole, but nobody who attached it proved they hold it.
            #expect(try await !blobs.mayDownload(d, for: F.dispatcher))
            #expect(try await !blobs.mayDownload(d, for: F.e17))
            // Someone else's proof is not the attacher's.
            try await blobs.recordPossession(d, principal: "E18", now: F.now)
            #expect(try await !blobs.mayDownload(d, for: F.dispatcher))
            try await blobs.recordPossession(d, principal: "E17", now: F.now)
            #expect(try await blobs.hasPossession(d, principal: "E17"))
            #expect(try await !blobs.hasPossession(d, principal: "e17"))
            #expect(try await blobs.mayDownload(d, for: F.dispatcher))
            #expect(try await blobs.mayDownload(d, for: F.e17))
            // Out of scope stays out, proof or not.
            #expect(try await !blobs.mayDownload(d, for: F.e18))
            for principal in Self.hostile {
                #expect(try await !blobs.mayDownload(d, for: principal), "\(principal.name)")
            }
            // Recorded twice: still one fact.
            try await blobs.recordPossession(d, principal: "E17", now: .max)
            #expect(try await blobs.hasPossession(d, principal: "E17"))
        }
    }

    @Test(arguments: Backend.allCases)
    func aChallengeIsAnsweredOnceAndExpires(_ backend: Backend) async throws {
        try await withBlobStore(backend) { _, blobs in
            let d = Self.digest
            let first = SHA256.hash([1])
            let second = SHA256.hash([2])
            #expect(try await blobs.takeChallenge(d, principal: "E17") == nil)
            try await blobs.openChallenge(d, principal: "E17", nonceHash: first, expires: 1_000)
            // A new one replaces the open one.
            try await blobs.openChallenge(d, principal: "E17", nonceHash: second, expires: 2_000)
            try await blobs.openChallenge(d, principal: "E18", nonceHash: first, expires: 500)
            for name in ["E17' OR '1'='1", "", "%", "e17"] {
                #expect(try await blobs.takeChallenge(d, principal: name) == nil, "\(name)")
            }
            #expect(try await blobs.takeChallenge(d, principal: "E17") == BlobChallenge(nonceHash: second, expires: 2_000))
            #expect(try await blobs.takeChallenge(d, principal: "E17") == nil)
            try await blobs.dropExpiredChallenges(now: 501)
            #expect(try await blobs.takeChallenge(d, principal: "E18") == nil)
            // Expiries past Int64 are clamped, not trapped.
            try await blobs.openChallenge(d, principal: "E17", nonceHash: first, expires: .max)
            try await blobs.dropExpiredChallenges(now: .max)
            #expect(try await blobs.takeChallenge(d, principal: "E17")?.nonceHash == first)
        }
    }

    @Test(arguments: Backend.allCases)
    func unfinishedUploadsHaveOwnersAndAbandonedOnesAreSwept(_ backend: Backend) async throws {
        try await withBlobStore(backend) { _, blobs in
            let d = Self.digest
            let other = SHA256.hash([7])
            try await B.upload(blobs, d, Self.bytes, 0..<10_000)
            try await blobs.claimPartial(d, principal: "E17")
            try await blobs.claimPartial(other, principal: "E17")
            // The principal that sent bytes last owns it.
            try await blobs.claimPartial(other, principal: "E18")
            #expect(try await blobs.partialOwner(d) == "E17")
            #expect(try await blobs.partials(ownedBy: "E17") == [d])
            #expect(try await blobs.partials(ownedBy: "E17' OR '1'='1").isEmpty)
            #expect(Set(try await blobs.allPartials()) == [d, other])
            try await blobs.forgetPartial(other)
            #expect(try await blobs.partialOwner(other) == nil)

            // Recent: kept. A live upload: kept however old its bytes.
            #expect(await blobs.sweepPartials(untouchedFor: .seconds(3600)).isEmpty)
            let live = try await blobs.beginUpload(other, at: 0, holder: "E18")
            try await Task.sleep(for: .milliseconds(2_200))
            #expect(await blobs.sweepPartials(untouchedFor: .seconds(1)) == [d])
            #expect(try await blobs.state(of: d) == .absent)
            #expect(try await blobs.state(of: other) == .partial(received: 0))
            try await live.close()
            // The upload starts over from nothing.
            try await B.upload(blobs, d, Self.bytes, 0..<Self.bytes.count)
            #expect(try await blobs.finish(d))
            // A complete blob is never swept.
            try await Task.sleep(for: .milliseconds(1_200))
            #expect(await blobs.sweepPartials(untouchedFor: .zero) == [other])
            #expect(try await blobs.state(of: d) == .complete(size: UInt64(Self.bytes.count)))
        }
    }
}
