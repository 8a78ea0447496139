import FieldModel
import FieldStore
import Foundation
import Hummingbird

/// Proof of possession (SPEC §7.3): a caller whose replica attached a blob the node
/// already holds proves it holds the bytes too, without sending them: the node gives a
/// nonce (in `status`, or `POST …/challenge`), the caller answers `POST …/prove` with
/// SHA-256(nonce ‖ blob). Nonces are single use, kept only as their hash, and expire.
extension BlobRoutes {
    /// How long a challenge may be answered (ms): time to hash a large photo on a tablet.
    static let challengeLifetime: UInt64 = 10 * 60 * 1000

    struct Challenge: ResponseEncodable {
        let nonce: String
        let expiresInSeconds: UInt64
    }

    struct Proof: Decodable {
        let nonce: String
        let proof: String
    }

    /// A fresh nonce for `principal`, replacing any open one; returned as hex.
    func openChallenge(_ digest: Digest, for principal: Principal) async throws -> String {
        let nonce = BlobProof.makeNonce()
        let (expires, overflow) = clock().addingReportingOverflow(Self.challengeLifetime)
        try await blobs.openChallenge(digest, principal: principal.name, nonceHash: SHA256.hash(nonce), expires: overflow ? .max : expires)
        return Digest(bytes: nonce)?.hex ?? ""
    }

    func challenge(_ request: Request, _ context: NodeRequestContext) async throws -> Challenge {
        Self.count("challenge")
        let (digest, _) = try await authorised(context)
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        guard case .complete = try await blobs.state(of: digest) else {
            throw HTTPError(.notFound, message: "the node does not hold blob \(digest.hex.prefix(12)) whole: upload it instead of proving it")
        }
        return Challenge(nonce: try await openChallenge(digest, for: principal), expiresInSeconds: Self.challengeLifetime / 1000)
    }

    func prove(_ request: Request, _ context: NodeRequestContext) async throws -> Status {
        Self.count("prove")
        let (digest, _) = try await authorised(context)
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        let body: ByteBuffer
        let declared = request.headers[.contentLength].flatMap { ByteRange.number($0[...]) } ?? 0
        do {
            guard declared <= 1024 else { throw HTTPError(.contentTooLarge) }
            body = try await request.body.collect(upTo: 1024)
        } catch {
            throw HTTPError(.contentTooLarge, message: "a proof is {\"nonce\": HEX, \"proof\": HEX}: a few hundred bytes")
        }
        guard let answer = try? JSONDecoder().decode(Proof.self, from: Data(body.readableBytesView)),
            let nonce = Digest(hex: answer.nonce), let proof = Digest(hex: answer.proof)
        else {
            throw HTTPError(.badRequest, message: "send {\"nonce\": the challenge's 64 hex digits, \"proof\": SHA-256(nonce ‖ blob) as 64 hex digits}")
        }
        let refused = { (why: String) in
            HTTPError(.forbidden, message: "blob \(digest.hex.prefix(12)): \(why); nothing was recorded: ask status or challenge for a new nonce")
        }
        // Taken before it is checked: a nonce is answered once, right or wrong.
        guard let open = try await blobs.takeChallenge(digest, principal: principal.name) else { throw refused("no open challenge for you") }
        guard BlobProof.matches(open.nonceHash, SHA256.hash(nonce.bytes)) else { throw refused("that nonce is not your open challenge") }
        guard clock() <= open.expires else { throw refused("the challenge expired") }
        guard let content = try await blobs.content(of: digest) else {
            throw HTTPError(.notFound, message: "the node does not hold blob \(digest.hex.prefix(12)) whole")
        }
        guard BlobProof.matches(try await BlobProof.compute(nonce: nonce.bytes, pieces: content.pieces()), proof) else {
            throw refused("the proof does not match the node's copy")
        }
        try await blobs.recordPossession(digest, principal: principal.name, now: clock())
        return Status(state: "complete", bytes: content.size)
    }
}
