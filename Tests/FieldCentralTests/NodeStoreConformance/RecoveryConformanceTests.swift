import FieldModel
import FieldStore
import FieldWire
import Testing

/// What a store restored from a backup asks back (SPEC §9.4), on both backends: its voucher
/// key, what it lacks of a device's holdings, and vouched ops given back (a forged or
/// miscounted voucher changes nothing).
@Suite struct RecoveryConformanceTests {
    typealias F = SyncFixtures

    @Test(arguments: Backend.allCases)
    func vouchersComeBackAndForgedOnesChangeNothing(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, raw in
            let key = try await store.voucherKey()
            #expect(key.count == 32)
            #expect(try await store.voucherKey() == key)
            let dump = try await raw()
            #expect(dump.contains(key.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()))

            let ops = [F.created(F.desk, 1, "T1-pump", assignee: "E17"), F.note(F.desk, 2, on: "T1-pump")]
            _ = try await F.ingest(store, ops, from: F.dispatcher, replica: F.desk)
            let vouchers = try await store.vouchers(for: ops, key: key)
            #expect(vouchers.allSatisfy { $0?.owner == "dispatch" })
            // An op of a replica no one pushed gets no voucher.
            #expect(try await store.vouchers(for: [F.note(F.tab18, 1, on: "T1-pump")], key: key) == [nil])

            // Given back by E17's device: the store holds them; duplicates, nothing new.
            let back = try await store.ingest(
                ops, vouchers: vouchers, voucherKey: key, from: F.e17, replica: F.tab17, now: F.now + 3_600_000, clockOffset: nil,
                maxAttachmentBytes: 1 << 20)
            #expect(back.inserted == 0 && back.duplicates == 2 && back.acked[F.desk] == 2)

            // A voucher made with another key, one for another op, and a miscount: refused.
            let third = F.note(F.desk, 3, on: "T1-pump")
            let forged = OpVoucher(for: third, owner: "dispatch", key: [UInt8](repeating: 1, count: 32))
            let stolen = vouchers[1]
            let cases: [([OpVoucher?], StoreError.Code)] = [([forged], .forbidden), ([stolen], .forbidden), ([forged, stolen], .invalidOp)]
            for (given, code) in cases {
                #expect(
                    await F.refusal {
                        try await store.ingest(
                            [third], vouchers: given, voucherKey: key, from: F.e17, replica: F.tab17, now: F.now + 3_600_000, clockOffset: nil,
                            maxAttachmentBytes: 1 << 20)
                    } == code)
            }
            #expect(try await store.held(of: [F.desk]) == [F.desk: 2])
            #expect(try await store.ownOps(of: F.desk, from: 3, limit: 10).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func aStoreNamesWhatADeviceHoldsPastIt(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            _ = try await F.ingest(store, [F.created(F.desk, 1, "T1-pump", assignee: "E17")], from: F.dispatcher, replica: F.desk)
            _ = try await F.ingest(store, [F.note(F.tab17, 1, on: "T1-pump")], from: F.e17, replica: F.tab17)
            let have = VersionVector([F.desk: 5, F.tab17: 9, ReplicaID("e17-old")!: 4, ReplicaID("e18-tab")!: 2, ReplicaID("node-1")!: .max])
            // The desk's ops past 1, E18's and the node's: lost; E17's own ids: E17 pushes them.
            #expect(Set(try await store.lacking(have, for: F.e17)) == [F.desk, F.tab18, ReplicaID("node-1")!])
            #expect(try await store.lacking(VersionVector([F.desk: 1]), for: F.e17).isEmpty)
        }
    }
}
