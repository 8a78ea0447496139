/// A photo or a signature attached to a ticket, by content: the blob travels
/// separately and is verified by its SHA-256.
public struct Attachment: Hashable, Sendable {
    public enum Kind: UInt8, Hashable, Sendable, CustomStringConvertible {
        case photo = 1
        case signature = 2
        public var description: String { self == .photo ? "photo" : "signature" }
    }

    public let kind: Kind
    public let sha256: Digest
    public let byteSize: UInt64
    public let mediaType: String
    public let caption: String
    /// Present for signatures only.
    public let signature: Signature?

    public init(
        kind: Kind, sha256: Digest, byteSize: UInt64, mediaType: String, caption: String = "",
        signature: Signature? = nil
    ) {
        self.kind = kind
        self.sha256 = sha256
        self.byteSize = byteSize
        self.mediaType = mediaType
        self.caption = caption
        self.signature = signature
    }
}

/// Who signed, when, and for what: the SHA-256 of the canonical ``WorkSummary`` they
/// were shown, so a later change to parts, times or resolution is detectable.
public struct Signature: Hashable, Sendable {
    public let signer: String
    /// Device wall time of signing (Unix ms).
    public let signedAt: UInt64
    public let summarySHA256: Digest

    public init(signer: String, signedAt: UInt64, summarySHA256: Digest) {
        self.signer = signer
        self.signedAt = WholeSeconds.floor(signedAt)
        self.summarySHA256 = summarySHA256
    }
}
