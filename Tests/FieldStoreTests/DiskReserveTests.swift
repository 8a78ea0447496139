import FieldStore
import Foundation
import Testing

/// The reserve a node keeps for its op log: arithmetic that must hold for any sizes a
/// caller declares, and the words a full disk is reported in.
struct DiskReserveTests {
    let reserve = DiskReserve(bytes: 512 << 20, folder: "/")

    @Test("an upload is admitted only if the reserve stays free after it")
    func admitsOnlyAboveTheReserve() {
        let free: UInt64 = 600 << 20
        #expect(reserve.admits(0, free: free))
        #expect(reserve.admits(88 << 20, free: free))
        #expect(!reserve.admits((88 << 20) + 1, free: free))
        #expect(reserve.shortfall(88 << 20, free: free) == 0)
        #expect(reserve.shortfall((88 << 20) + 1, free: free) == 1)
        // Less free than the reserve: nothing goes in, not even a byte.
        #expect(!reserve.admits(1, free: 100 << 20))
        #expect(reserve.shortfall(1, free: 100 << 20) == (412 << 20) + 1)
        #expect(DiskReserve(bytes: 0, folder: "/").admits(5, free: 5))
    }

    static let hostile: [UInt64] = [UInt64.max, UInt64.max - 1, UInt64.max - (512 << 20), UInt64.max - (512 << 20) + 1, 1 << 63]

    @Test("hostile sizes near UInt64.max neither trap nor get in", arguments: Self.hostile)
    func hostileSizes(incoming: UInt64) {
        for free in [0, 1, 512 << 20, UInt64.max - 1, .max] as [UInt64] {
            let admitted = reserve.admits(incoming, free: free)
            let short = reserve.shortfall(incoming, free: free)
            // Admitted exactly when nothing is short, and never past what the disk has.
            #expect(admitted == (short == 0))
            if admitted { #expect(incoming <= free - reserve.bytes) }
        }
        #expect(!DiskReserve(bytes: .max, folder: "/").admits(incoming, free: .max))
        #expect(DiskReserve(bytes: .max, folder: "/").shortfall(incoming, free: .max) == .max)
    }

    @Test("a real folder's free space is read; a missing one refuses nothing")
    func realFolder() throws {
        #expect((DiskSpace.available(at: NSTemporaryDirectory()) ?? 0) > 0)
        #expect(DiskSpace.available(at: "/no/such/folder/\(UUID())") == nil)
        try DiskReserve(bytes: .max, folder: "/no/such/folder/\(UUID())").check(1)
        #expect(throws: StoreError.self) { try DiskReserve(bytes: .max, folder: NSTemporaryDirectory()).check(0) }
        do {
            try DiskReserve(bytes: .max, folder: NSTemporaryDirectory()).check(.max)
            Issue.record("a reserve of UInt64.max admitted an upload")
        } catch {
            #expect(error.code == .diskFull)
            #expect(!error.message.contains("/"), "names a path: \(error.message)")
        }
    }

    @Test("a full disk says so in one line with what is needed, and names no file")
    func message() {
        let known = StoreError.diskFull(needed: 12_300_000)
        #expect(known.code == .diskFull)
        #expect(known.message.hasPrefix("this device's storage is full: 13 MB needed;"))
        #expect(StoreError.isDiskFull(message: known.message))
        #expect(StoreError.diskFull(needed: 150_000).message.contains(": 0.2 MB needed;"))
        let unknown = StoreError.diskFull()
        #expect(unknown.message.hasPrefix("this device's storage is full: free some space"))
        #expect(!unknown.message.contains("/") && !unknown.message.contains("\n"))
        #expect(!StoreError.isDiskFull(message: "the replica at /x could not be used: disk I/O error"))
        #expect(DiskSpace.megabytes(.max).hasSuffix(" MB"))
    }
}
