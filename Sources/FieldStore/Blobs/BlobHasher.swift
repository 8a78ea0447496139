import CCrypto
import FieldModel
import Foundation

/// SHA-256 of blob bytes through libcrypto (several times the pure-Swift hasher's speed
/// on photos). Produces the same digests as `FieldModel.SHA256`.
struct BlobHasher: ~Copyable {
    private let context: OpaquePointer

    init() {
        // EVP_MD_CTX_new fails only when out of memory.
        guard let ctx = EVP_MD_CTX_new() else { fatalError("libcrypto: out of memory") }
        context = ctx
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    mutating func update(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { raw in _ = EVP_DigestUpdate(context, raw.baseAddress, raw.count) }
    }

    consuming func finalize() -> Digest {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &length)
        EVP_MD_CTX_free(context)
        discard self
        // libcrypto's SHA-256 always writes 32 bytes.
        return Digest(bytes: out)!
    }

    deinit { EVP_MD_CTX_free(context) }
}
