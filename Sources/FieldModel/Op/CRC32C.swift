/// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and final xor
/// 0xFFFFFFFF), the checksum of iSCSI, ext4 metadata and SCTP. `CRC32C.checksum("123456789")`
/// is 0xE3069283.
///
/// Chosen for op checksums (``OpChecksum``) because it *guarantees* to detect every error
/// burst of up to 32 bits (so any one damaged byte, or four in a row) and every odd
/// number of flipped bits, and catches other damage with probability 1 − 2⁻³²; a
/// truncated SHA-256 only gives the probability. It is not a defence against someone who
/// means to change an op (they would recompute it), which is not its job.
public struct CRC32C: Sendable {
    private var state: UInt32 = 0xFFFF_FFFF

    public init() {}

    /// The checksum of `bytes` in one go.
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c = CRC32C()
        c.update(bytes)
        return c.value
    }

    /// The checksum of everything fed so far.
    public var value: UInt32 { ~state }

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if bytes.withContiguousStorageIfAvailable({ feed($0) }) == nil {
            for b in bytes { update(byte: b) }
        }
    }

    public mutating func update(byte: UInt8) {
        state = Self.table.withUnsafeBufferPointer { t in t[Int(UInt8(truncatingIfNeeded: state) ^ byte)] ^ (state >> 8) }
    }

    /// Slicing-by-8 (eight table lookups per 8 bytes): op payloads are short, but the
    /// migration and `check` run over every op of a replica.
    private mutating func feed(_ input: UnsafeBufferPointer<UInt8>) {
        var crc = state
        Self.table.withUnsafeBufferPointer { t in
            var i = 0
            let n = input.count
            while n - i >= 8 {
                let lo = crc ^ (UInt32(input[i]) | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2]) << 16 | UInt32(input[i + 3]) << 24)
                crc = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(input[i + 4])] ^ t[2 * 256 + Int(input[i + 5])]
                    ^ t[1 * 256 + Int(input[i + 6])] ^ t[Int(input[i + 7])]
                i += 8
            }
            while i < n {
                crc = t[Int(UInt8(truncatingIfNeeded: crc) ^ input[i])] ^ (crc >> 8)
                i += 1
            }
        }
        state = crc
    }

    /// Eight tables of 256 entries: table 0 is the byte-wise table, table k the CRC of a
    /// byte followed by k zero bytes.
    private static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = t[Int(prev & 0xFF)] ^ (prev >> 8)
            }
        }
        return t
    }()
}
