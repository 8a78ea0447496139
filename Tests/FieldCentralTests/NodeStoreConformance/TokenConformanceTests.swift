import FieldStore
import Testing

/// Bearer tokens, on both backends: a token works until revoked, is never stored, and a
/// token no one was given (empty, near, huge, another's id) names no one.
@Suite struct TokenConformanceTests {
    @Test(arguments: Backend.allCases)
    func aTokenNamesItsPrincipalUntilRevoked(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, raw in
            let (token, record) = try await store.createToken(name: "E17", role: .engineer, now: 1_780_000_000_000)
            let (other, _) = try await store.createToken(name: "dispatch-1", role: .dispatcher, now: 1_780_000_001_000)
            #expect(token.hasPrefix("fs_") && token.count == 67)
            #expect(try await store.principal(forToken: token) == Principal(name: "E17", role: .engineer))
            #expect(try await store.principal(forToken: other) == Principal(name: "dispatch-1", role: .dispatcher))
            let listed = try await store.tokens()
            #expect(listed.map(\.name) == ["E17", "dispatch-1"])
            #expect(listed.first == record)
            // Only the hash is kept: the token appears nowhere in what the store holds.
            let dump = try await raw()
            #expect(dump.contains(record.id))
            #expect(!dump.contains(token) && !dump.contains(String(token.dropFirst(3))))

            #expect(try await store.revokeToken(id: record.id, now: 1_780_000_002_000) == 1)
            #expect(try await store.principal(forToken: token) == nil)
            #expect(try await store.principal(forToken: other) != nil)
            #expect(try await store.revokeToken(id: record.id, now: 1_780_000_003_000) == 0)
            let revoked = try #require(try await store.tokens().first { $0.id == record.id })
            #expect(revoked.revokedAt == 1_780_000_002_000)
        }
    }

    @Test(arguments: Backend.allCases)
    func aTokenNoOneWasGivenNamesNoOne(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            let (token, record) = try await store.createToken(name: "E17", role: .engineer, now: 1_780_000_000_000)
            var near = Array(token)
            near[near.count - 1] = near.last == "0" ? "1" : "0"
            for presented in ["", "fs_", String(near), token.uppercased(), " " + token, record.id, String(repeating: "f", count: 1 << 20),
                              "' OR '1'='1", token + "\0"] {
                #expect(try await store.principal(forToken: presented) == nil, "\(presented.prefix(40))")
            }
            #expect(try await store.revokeToken(id: "' OR '1'='1", now: 1_780_000_001_000) == 0)
            #expect(try await store.revokeToken(id: "", now: 1_780_000_001_000) == 0)
            #expect(try await store.principal(forToken: token) != nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func aNameNoPrincipalCanHaveIsRefusedAndNothingStored(_ backend: Backend) async throws {
        try await withNodeStore(backend) { store, _ in
            for name in ["", String(repeating: "e", count: 65), "E 17", "../E17", "E17'; DROP TABLE tokens; --", "工程师", "E17\n"] {
                await #expect(throws: StoreError.self, "\(name)") { try await store.createToken(name: name, role: .engineer, now: 1) }
            }
            #expect(try await store.tokens().isEmpty)
            // The longest name allowed, and a clock past Int64 (clamped, not trapped).
            let (token, _) = try await store.createToken(name: String(repeating: "e", count: 64), role: .admin, now: .max)
            #expect(try await store.principal(forToken: token)?.role == .admin)
        }
    }
}
