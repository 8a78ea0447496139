import FieldModel
import FieldTestSupport
import FieldWire
import Foundation
import Testing

/// op-vouchers (SPEC §3.10): the MAC is HMAC-SHA-256 as RFC 4231 checks it, a voucher
/// covers exactly its op and owner, and hostile bodies are refused before allocating.
@Suite struct VoucherWireTests {
    let key = VectorCatalog.voucherKey
    let op = Op(id: OpID(replica: ReplicaID("e21-9c9c")!, counter: 3), wallMillis: 1_795_424_400_000, logical: 0,
                subject: EntityID("T1-central")!, body: .note(Note(text: "bearing noisy", at: 1_795_424_400_000)))

    func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    @Test("HMAC-SHA-256 matches RFC 4231 test cases 1, 2 and 6 (a key longer than a block)")
    func rfc4231() {
        #expect(hex(HMACSHA256.mac(Array("Hi There".utf8), key: [UInt8](repeating: 0x0b, count: 20)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(hex(HMACSHA256.mac(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(hex(HMACSHA256.mac(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8), key: [UInt8](repeating: 0xaa, count: 131)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test("a voucher vouches for its op and owner under its key only")
    func coversExactly() {
        let v = OpVoucher(for: op, owner: "E21", key: key)
        #expect(v.mac.count == 16)
        #expect(v.vouches(for: op, key: key))
        #expect(!v.vouches(for: op, key: [UInt8](repeating: 0x0c, count: 32)))
        #expect(!OpVoucher(owner: "E17", mac: v.mac).vouches(for: op, key: key))
        var later = op
        later = Op(id: later.id, wallMillis: later.stamp.wallMillis + 1000, logical: 0, subject: later.subject, body: later.body)
        #expect(!v.vouches(for: later, key: key))
        #expect(!OpVoucher(owner: "E21", mac: Array(v.mac.prefix(15))).vouches(for: op, key: key))
        #expect(!OpVoucher(owner: "E21", mac: []).vouches(for: op, key: key))
    }

    @Test("vouchers survive a frame, with and without, and are found for the message they cover")
    func roundTrip() throws {
        let vouchers: [OpVoucher?] = [OpVoucher(for: op, owner: "E21", key: key), nil, OpVoucher(for: op, owner: "@self", key: key)]
        let messages: [WireMessage] = [.pullPage(PullPage(ops: [op, op, op], nextCursor: [1], more: false)), OpVouchers(covers: .pullPage, vouchers: vouchers).message]
        let decoded = try Frame.decode(Frame.encode(messages))
        #expect(try OpVouchers.find(for: .pullPage, in: decoded) == vouchers)
        #expect(try OpVouchers.find(for: .push, in: decoded) == nil)
    }

    @Test("hostile op-vouchers bodies are refused with an error, never a crash or a huge allocation")
    func hostileBodies() throws {
        let bodies: [[UInt8]] = [
            [0x03, 0x00, 0x00],  // covers a hello
            [0x05, 0xff, 0xff, 0xff, 0xff, 0x0f],  // 4 billion owners
            [0x05, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f],  // 4 billion vouchers
            [0x05, 0x00, 0x01, 0x01] + [UInt8](repeating: 0xaa, count: 16),  // names owner 1 of 0
            [0x05, 0x01, 0x01, 0x41, 0x01, 0x01, 0xaa],  // a MAC cut short
            [0x05, 0x01, 0x81] + [UInt8](repeating: 0x41, count: 129) + [0x00],  // an owner past 128 bytes
            [0x05, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],  // index 2^64-1
        ]
        for body in bodies {
            #expect(throws: WireError.self, "\(body.prefix(8))") { _ = try OpVouchers(.unknown(type: OpVouchers.typeCode, body: body)) }
        }
        // A count that differs from the ops it covers.
        let short: [WireMessage] = [.pullPage(PullPage(ops: [op, op], nextCursor: [1], more: false)), OpVouchers(covers: .pullPage, vouchers: [nil]).message]
        #expect(throws: WireError.self) { _ = try OpVouchers.find(for: .pullPage, in: short) }
    }
}
