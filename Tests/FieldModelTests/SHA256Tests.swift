import FieldModel
import Testing

@Suite struct SHA256Tests {
    @Test("FIPS 180-4 test vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func vectors(input: String, expected: String) {
        #expect(SHA256.hash(Array(input.utf8)).hex == expected)
    }

    @Test func incrementalEqualsOneShotAcrossBlockBoundaries() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for split in [0, 1, 55, 56, 63, 64, 65, 127, 999] {
            var h = SHA256()
            h.update(data[..<split])
            h.update(data[split...])
            #expect(h.finalize() == SHA256.hash(data), "split at \(split)")
        }
    }

    @Test func millionAs() {
        let data = [UInt8](repeating: 0x61, count: 1_000_000)
        #expect(SHA256.hash(data).hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func digestHexRoundTrip() {
        let d = SHA256.hash([1, 2, 3])
        #expect(Digest(hex: d.hex) == d)
        #expect(Digest(hex: d.hex.uppercased()) == d)
        #expect(Digest(hex: "zz") == nil)
        #expect(Digest(bytes: [1, 2]) == nil)
    }
}
