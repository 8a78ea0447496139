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

extension ZstdTests {
    /// SPEC §1: the payload is one zstd frame. libzstd would decompress a second frame
    /// (or skip a skippable one) after the first as long as the sizes add up; a reader
    /// that reads one frame would see trailing bytes. Both are refused.
    @Test("bytes after the one zstd frame are refused: a second frame, a skippable frame, garbage")
    func refusesBytesAfterTheFrame() throws {
        let one = Zstd.compress([0x00])
        #expect(try Zstd.decompress(one, maxSize: 10) == [0x00])
        let trailers: [(String, [UInt8])] = [
            ("an empty frame", Zstd.compress([])),
            ("a skippable frame", [0x50, 0x2A, 0x4D, 0x18, 0x00, 0x00, 0x00, 0x00]),
            ("a byte", [0x00]),
        ]
        for (what, trailer) in trailers {
            #expect(throws: WireError.self, "\(what)") { try Zstd.decompress(one + trailer, maxSize: 10) }
            do {
                _ = try Frame.decode(Frame.magic + [Frame.version, 0x01] + one + trailer)
                Issue.record("a frame whose payload is one zstd frame and \(what) was accepted")
            } catch {
                #expect(error.code == .corruptCompression, "\(what): \(error)")
            }
        }
    }
}
