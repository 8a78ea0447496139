import FieldModel
import Foundation
import NIOCore

/// The answer to a possession challenge (SPEC §7.3): SHA-256(nonce ‖ blob bytes). Only
/// someone holding every byte can compute it, and a fresh nonce makes an old answer
/// worthless, so a device proves it holds a photo without sending it.
public enum BlobProof {
    /// Nonces are 32 random bytes.
    public static let nonceBytes = 32

    public static func makeNonce() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<nonceBytes).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }

    /// The proof over the file at `path`, read in 1 MB pieces.
    public static func compute(nonce: [UInt8], file path: String) throws(StoreError) -> Digest {
        guard let input = FileHandle(forReadingAtPath: path) else {
            throw StoreError(.unreadableFile, "cannot read a blob to prove it is held")
        }
        defer { try? input.close() }
        let hasher = BlobHasher()
        hasher.update(nonce)
        while true {
            let chunk: Data
            do { chunk = try input.read(upToCount: 1 << 20) ?? Data() } catch {
                throw StoreError(.unreadableFile, "cannot read a blob to prove it is held: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            hasher.update(chunk)
        }
        return hasher.digest
    }

    /// The proof over a stored blob's pieces (``BlobContent``), whichever backend holds it;
    /// hashed on ``BlockingWork``'s threads, so a proof of tens of MB never holds the
    /// cooperative pool.
    public static func compute(nonce: [UInt8], pieces: BlobPieces) async throws -> Digest {
        try await withTaskExecutorPreference(BlockingWork.executor) {
            let hasher = BlobHasher()
            hasher.update(nonce)
            for try await piece in pieces {
                piece.withUnsafeReadableBytes { hasher.update($0) }
            }
            return hasher.digest
        }
    }

    /// Compares in time independent of where the digests differ.
    public static func matches(_ a: Digest, _ b: Digest) -> Bool {
        zip(a.bytes, b.bytes).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
