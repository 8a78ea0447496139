import FieldModel
import FieldWire
import Testing

/// The scope-left message (SPEC §3.11): round trip, and hostile bodies refused by name.
@Suite struct ScopeLeftTests {
    func body(_ bytes: [UInt8]) -> WireMessage { .unknown(type: ScopeLeft.typeCode, body: bytes) }

    @Test("ids round-trip, Chinese ones too, and another message type is not read as one")
    func roundTrip() throws {
        let left = ScopeLeft([EntityID("article:fan")!, EntityID("article:风扇-电容")!, EntityID("T3-node-1")!])
        #expect(try ScopeLeft(left.message) == left)
        #expect(try ScopeLeft(.unknown(type: 0x07, body: [0])) == nil)
        #expect(try ScopeLeft.find(in: [.pullPage(PullPage(ops: [], nextCursor: [], more: false)), left.message]) == left)
        #expect(try ScopeLeft(ScopeLeft([]).message)?.entities == [])
    }

    @Test("a count past the bytes, past the limit, or a non-minimal one; an invalid id; trailing bytes: refused")
    func hostile() {
        func refused(_ bytes: [UInt8], _ code: WireError.Code, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try ScopeLeft(body(bytes))
                Issue.record("accepted \(bytes)", sourceLocation: sourceLocation)
            } catch {
                #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            }
        }
        refused([0x05, 0x01, 0x61], .truncated)  // five ids in three bytes
        refused([0xFF, 0xFF, 0xFF, 0xFF, 0x0F], .tooLarge)  // 4 billion ids
        refused([0x01, 0x03, 0x61, 0x20, 0x62], .malformed)  // "a b": whitespace in an id
        refused([0x01, 0x00, 0x00], .malformed)  // an empty id, then a byte more
        refused([0x01, 0x01, 0x61, 0x00], .malformed)  // a byte after the last id
        refused([0x01, 0x81, 0x01] + [UInt8](repeating: 0x61, count: 129), .tooLarge)  // an id of 129 bytes
        refused([0x80, 0x00], .badVarint)  // a count in two bytes where one does
        refused([], .truncated)
    }
}
