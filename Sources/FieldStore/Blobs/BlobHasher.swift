import CCrypto
import FieldModel
import Foundation

/// SHA-256 of blob bytes through libcrypto (several times the pure-Swift hasher's speed
/// on photos). Produces the same digests as `FieldModel.SHA256`.
public final class BlobHasher: @unchecked Sendable {
    // Safe to send: a hasher is used by one owner at a time (a `BlobHashFollower` uses
    // its own only on its queue; the others are local to one call).
    private let context: OpaquePointer
    /// How many bytes went in.
    public private(set) var bytes: UInt64 = 0

    public init() {
        // EVP_MD_CTX_new fails only when out of memory.
        guard let ctx = EVP_MD_CTX_new() else { fatalError("libcrypto: out of memory") }
        context = ctx
        EVP_DigestInit_ex(context, Self.algorithm, nil)
    }

    /// SHA-256 of `bytes` in one call (a ticket's canonical bytes at every push).
    public static func digest(of bytes: [UInt8]) -> Digest {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        // It fails only without memory or provider; the model's hasher gives the same digest.
        guard EVP_Digest(bytes, bytes.count, &out, &length, algorithm, nil) == 1, length == 32 else { return SHA256.hash(bytes) }
        return Digest(bytes: out)!
    }

    /// libcrypto's SHA-256, fetched once: given `EVP_sha256()`, OpenSSL 3 looks the
    /// algorithm up by name under a lock at every init, which took longer than hashing a
    /// ticket's few kilobytes.
    // Safe to share: a fetched EVP_MD is immutable, and libcrypto allows its use from any thread.
    nonisolated(unsafe) private static let algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()

    public func update(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func update(_ raw: UnsafeRawBufferPointer) {
        _ = EVP_DigestUpdate(context, raw.baseAddress, raw.count)
        bytes += UInt64(raw.count)
    }

    /// The digest of the bytes so far; more may follow.
    public var digest: Digest {
        // Finalising consumes a context, so finalise a copy.
        guard let copy = EVP_MD_CTX_new() else { fatalError("libcrypto: out of memory") }
        defer { EVP_MD_CTX_free(copy) }
        EVP_MD_CTX_copy_ex(copy, context)
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(copy, &out, &length)
        // libcrypto's SHA-256 always writes 32 bytes.
        return Digest(bytes: out)!
    }

    deinit { EVP_MD_CTX_free(context) }
}
