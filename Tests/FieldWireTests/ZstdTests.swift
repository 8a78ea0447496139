import FieldWire
import Testing

@Suite struct ZstdTests {
    @Test func roundTrips() throws {
        let input = Array(String(repeating: "replaced fan capacitor on chiller X2; ", count: 200).utf8)
        let packed = Zstd.compress(input)
        #expect(packed.count < input.count / 10)
        #expect(try Zstd.decompress(packed, maxSize: input.count) == input)
    }

    @Test func refusesAFrameThatExpandsPastTheLimit() {
        let packed = Zstd.compress([UInt8](repeating: 7, count: 100_000))
        #expect(throws: WireError(.tooLarge, "compressed message expands to 100000 bytes, over the 1000-byte limit")) {
            try Zstd.decompress(packed, maxSize: 1000)
        }
    }

    @Test func refusesCorruptFrames() {
        var packed = Zstd.compress(Array("hello hello hello hello".utf8))
        packed[packed.count - 2] ^= 0xFF
        #expect(throws: WireError.self) { try Zstd.decompress(packed, maxSize: 1000) }
        #expect(throws: WireError.self) { try Zstd.decompress([1, 2, 3], maxSize: 1000) }
    }
}
