import FieldClient
import FieldModel
import FieldStore
import Foundation

/// The photos and signatures a depot relays (M8), after the ops that attach them: those
/// its engineers' devices sent it go up resumably (a cut link goes on from what the
/// upstream holds, SPEC §7.2), with the engineers' proofs of possession vouched for there;
/// those the upstream holds for the depot's tickets come down, verified by their SHA-256, so
/// the engineers fetch them at the depot.
struct UpstreamPhotos: Sendable {
    let store: ReplicaStore
    let blobs: BlobFolder
    let link: NodeLink
    let clock: @Sendable () -> UInt64

    struct Moved: Sendable, Hashable {
        var up = 0
        var down = 0
        /// Blobs the upstream refused (another depot's ticket): they stay here.
        var refused: [String] = []
    }

    func exchange() async throws -> Moved {
        let transfer = BlobTransfer(store: store, blobs: blobs, link: link, clock: clock)
        var moved = Moved()
        let (sent, refused) = try await transfer.uploadPending()
        moved.up = sent.blobs
        moved.refused = refused
        // Engineers' proofs, in pages: each page is recorded as sent once the upstream took it.
        while true {
            let (store, page) = (store, DepotRoutes.vouchesPerRequest)
            let vouches = try await BlockingWork.run { try store.blobVouches(limit: page) }
            guard !vouches.isEmpty else { break }
            let answer = try await link.postJSON(DepotRoutes.vouchPath, body: JSONEncoder().encode(DepotRoutes.VouchList(blobs: vouches)))
            guard answer.status == 200 else {
                throw NodeError.badRequest("the upstream at \(link.url) refused the engineers' proofs of possession (HTTP \(answer.status))")
            }
            try await BlockingWork.run { try store.noteVouched(vouches) }
        }
        // What the upstream holds that ops here refer to and this depot lacks.
        let missing = try await BlockingWork.run { [store] in try store.blobsNotConfirmed() }.filter { !blobs.contains($0.key) }
        // Through the tickets the upstream proved a reference on, ticket by ticket, recorded as
        // each blob arrives (this pass runs on the blocking executor, UpstreamRelay).
        let (store, now) = (store, clock())
        let fetched = try await transfer.fetchHeld(missing) { digest, tickets in
            for ticket in tickets { try store.recordPossession(digest, principal: ReplicaStore.upstreamPossession(on: ticket), now: now) }
        }
        moved.down = fetched.blobs
        return moved
    }

    /// Photos here the upstream has not confirmed holding: what waits to go up.
    static func waiting(_ store: ReplicaStore, _ blobs: BlobFolder) throws -> (count: Int, bytes: UInt64) {
        let waiting = try store.blobsNotConfirmed().filter { blobs.contains($0.key) }
        return (waiting.count, waiting.values.reduce(0) { $0 &+ $1 })
    }
}
