import FieldModel
import FieldTestSupport
import Testing

/// CRC-32C against published check values, and the op checksum's canonical input.
@Suite struct OpChecksumTests {
    @Test("CRC-32C matches the standard check value and RFC 3720 B.4")
    func knownValues() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
    }

    @Test("the 8-bytes-at-a-time path agrees with byte by byte, in any split")
    func slicingAgreesWithBytewise() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0...100, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var one = CRC32C()
            for b in bytes { one.update(byte: b) }
            var split = CRC32C()
            let cut = Int.random(in: 0...bytes.count, using: &rng)
            split.update(bytes[..<cut])
            split.update(AnySequenceCollection(bytes[cut...]))
            #expect(one.value == CRC32C.checksum(bytes))
            #expect(split.value == one.value)
        }
    }

    /// Pinned so that a change to the canonical input (SPEC §10) cannot pass unnoticed:
    /// stored checksums would stop matching every replica's ops.
    @Test("an op's checksum covers id, stamp, subject, kind and payload, as SPEC §10 writes them")
    func canonicalInput() {
        let payload: [UInt8] = [0x00, 0x02, 0x6F, 0x6B]
        let sum = OpChecksum(
            replica: "e17-1a2b", counter: 6, wallMillis: 1_795_424_400_000, logical: 0, subject: "T1-central", kind: 4,
            payload: payload)
        var canonical: [UInt8] = [8] + Array("e17-1a2b".utf8) + [6, 0x80, 0xE5, 0x88, 0xBD, 0xA0, 0x34, 0]
        canonical += [10] + Array("T1-central".utf8) + [4, 4] + payload
        #expect(sum.rawValue == CRC32C.checksum(canonical))
        #expect(sum.description.count == 8)
        #expect(OpChecksum(rawValue: 0xAB).description == "000000ab")
        // Each part counts: change any one and the checksum changes.
        let others = [
            OpChecksum(replica: "e17-1a2c", counter: 6, wallMillis: 1_795_424_400_000, logical: 0, subject: "T1-central", kind: 4, payload: payload),
            OpChecksum(replica: "e17-1a2b", counter: 7, wallMillis: 1_795_424_400_000, logical: 0, subject: "T1-central", kind: 4, payload: payload),
            OpChecksum(replica: "e17-1a2b", counter: 6, wallMillis: 1_795_424_401_000, logical: 0, subject: "T1-central", kind: 4, payload: payload),
            OpChecksum(replica: "e17-1a2b", counter: 6, wallMillis: 1_795_424_400_000, logical: 1, subject: "T1-central", kind: 4, payload: payload),
            OpChecksum(replica: "e17-1a2b", counter: 6, wallMillis: 1_795_424_400_000, logical: 0, subject: "T2-central", kind: 4, payload: payload),
            OpChecksum(replica: "e17-1a2b", counter: 6, wallMillis: 1_795_424_400_000, logical: 0, subject: "T1-central", kind: 5, payload: payload),
            OpChecksum(replica: "e17-1a2b", counter: 6, wallMillis: 1_795_424_400_000, logical: 0, subject: "T1-central", kind: 4, payload: payload + [0]),
        ]
        #expect(!others.contains(sum))
    }

    @Test("any one damaged byte of the canonical input changes the checksum (CRC-32C finds every burst ≤ 32 bits)")
    func everySingleByteFlipIsFound() {
        var rng = SeededRandom(seed: 22)
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let sum = CRC32C.checksum(bytes)
            for i in bytes.indices {
                var damaged = bytes
                damaged[i] ^= UInt8.random(in: 1...255, using: &rng)
                #expect(CRC32C.checksum(damaged) != sum, "flip at \(i) of \(bytes.count) not found")
            }
        }
    }
}

/// A collection without contiguous storage, to drive the byte-by-byte path.
private struct AnySequenceCollection: Collection {
    let base: ArraySlice<UInt8>
    init(_ base: ArraySlice<UInt8>) { self.base = base }
    var startIndex: Int { base.startIndex }
    var endIndex: Int { base.endIndex }
    func index(after i: Int) -> Int { i + 1 }
    subscript(i: Int) -> UInt8 { base[i] }
}
