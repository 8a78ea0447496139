import FieldModel
import FieldStore

/// A depot vouching at central for its engineers' proofs of possession (SPEC §8), over
/// `POST /v1/depot/vouch` or in a bundle: central records an engineer's possession of a blob
/// only when the depot itself proved it holds the blob here, and only for the depot's
/// engineers, current or former.
struct DepotVouching: Sendable {
    let store: any NodeStore
    let blobs: any NodeBlobStore
    let clock: @Sendable () -> UInt64

    /// Records the engineers' possession the depot vouches for: only of a blob the depot
    /// proved it holds here, and only for engineers it serves or served.
    /// What a vouch did: the possessions recorded, why entries were refused, and the
    /// entries of blobs the depot proved it holds here (those a bundle's answer echoes).
    struct Outcome {
        var vouched = 0
        var refused: [String] = []
        var held: [BlobVouch] = []
    }

    func vouch(_ vouches: [BlobVouch], by depot: Principal) async throws -> Outcome {
        let members = Set(try await store.depotMembers(of: depot.name).map(\.engineer))
        var done = Outcome()
        for entry in vouches {
            guard let digest = Digest(hex: entry.sha) else {
                done.refused.append("'\(entry.sha.prefix(16))' is not a blob's SHA-256")
                continue
            }
            guard try await blobs.hasPossession(digest, principal: depot.name) else {
                done.refused.append("blob \(entry.sha.prefix(12)): \(depot.name) has not shown it holds it here")
                continue
            }
            done.held.append(entry)
            for engineer in entry.engineers.prefix(64) {
                guard members.contains(engineer) else {
                    done.refused.append("blob \(entry.sha.prefix(12)): \(String(reflecting: String(engineer.prefix(64)))) is not \(depot.name)'s engineer")
                    continue
                }
                try await blobs.recordPossession(digest, principal: engineer, now: clock())
                done.vouched += 1
            }
        }
        done.refused = Array(done.refused.prefix(100))
        return done
    }
}
