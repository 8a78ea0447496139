import FieldModel
import FieldStore
import NIOCore
import Testing

/// Reading a complete blob on both backends: in pieces never larger than a chunk, ranges
/// exact at every edge.
@Suite struct BlobReadConformanceTests {
    typealias B = BlobFixtures

    @Test(arguments: Backend.allCases)
    func rangesAreExactAtEveryEdge(_ backend: Backend) async throws {
        try await withBlobStore(backend) { _, blobs in
            let size = 3 * B.piece + 17
            let bytes = B.bytes(size, seed: 7)
            let d = SHA256.hash(bytes)
            // Appends that do not fall on chunk edges.
            try await B.upload(blobs, d, bytes, 0..<size, step: 99_999)
            #expect(try await blobs.finish(d))
            let content = try #require(try await blobs.content(of: d))
            #expect(content.size == UInt64(size))
            let p = UInt64(B.piece)
            let s = UInt64(size)
            let ranges: [(UInt64, UInt64?)] = [
                (0, 1), (s - 1, 1), (s - 1, nil), (p - 1, 2), (p, p), (p - 1, p + 2), (2 * p + 1, nil), (0, s), (0, nil),
                (1, s - 2), (s, nil), (s, 5), (s + 1, 1), (0, 0), (p, 0), (UInt64.max, 1), (UInt64.max, UInt64.max), (1, UInt64.max),
                (s - 1, UInt64.max),
            ]
            for (start, length) in ranges {
                let (read, pieces) = try await B.read(content, from: start, length: length)
                // A range is cut at the blob's end; one that starts there or past it is empty.
                let from = min(start, s)
                let to = from + min(length ?? .max, s - from)
                #expect(read == Array(bytes[Int(from)..<Int(to)]), "range \(start) +\(String(describing: length))")
                #expect(pieces.allSatisfy { $0 > 0 && $0 <= B.piece }, "range \(start): pieces \(pieces)")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aMultiMegabyteBlobStreamsPieceByPiece(_ backend: Backend) async throws {
        try await withBlobStore(backend) { _, blobs in
            let size = 6 << 20 + 12_345
            let bytes = B.bytes(size, seed: 11)
            let d = SHA256.hash(bytes)
            try await B.upload(blobs, d, bytes, 0..<size, step: 64 << 10)
            #expect(try await blobs.finish(d))
            let content = try #require(try await blobs.content(of: d))
            // Hashed as it streams, nothing kept: no piece larger than a chunk, every byte once.
            let hasher = BlobHasher()
            var pieces = 0
            var largest = 0
            for try await piece in content.pieces() {
                pieces += 1
                largest = max(largest, piece.readableBytes)
                piece.withUnsafeReadableBytes { hasher.update($0) }
            }
            #expect(largest <= B.piece)
            #expect(pieces >= size / B.piece)
            #expect(hasher.bytes == UInt64(size))
            #expect(hasher.digest == d)
            // A proof of possession streams the same way.
            let nonce = BlobProof.makeNonce()
            #expect(try await BlobProof.compute(nonce: nonce, pieces: content.pieces()) == SHA256.hash(nonce + bytes))
        }
    }

    @Test(arguments: Backend.allCases)
    func anEmptyBlobIsCompleteWithNoPieces(_ backend: Backend) async throws {
        try await withBlobStore(backend) { _, blobs in
            let d = SHA256.hash([UInt8]())
            try await B.upload(blobs, d, [], 0..<0)
            #expect(try await blobs.finish(d))
            #expect(try await blobs.state(of: d) == .complete(size: 0))
            let content = try #require(try await blobs.content(of: d))
            #expect(try await B.read(content).pieces.isEmpty)
        }
    }
}
