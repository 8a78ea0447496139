import FieldTestSupport
import Foundation
import Testing

/// `fieldsync-node token …` against a central on PostgreSQL (`--postgres URL` or
/// FIELDSYNC_POSTGRES_URL), through the real binary and a real throwaway PostgreSQL: the
/// token alone on stdout, only its hash kept, and the URL's password printed nowhere,
/// errors included.
@Suite struct CentralTokenCommandTests {
    static let password = "s3cret-Pa55word"

    /// The test database's URL with a password in it (the test cluster trusts every
    /// connection, so it is sent nowhere, but every command gets it to keep quiet about).
    func centralURL() async throws -> String {
        let url = try await TestPostgres.shared().database("tokens")
        return url.replacingOccurrences(of: "postgres@", with: "postgres:\(Self.password)@")
    }

    func node(_ args: [String], env: [String: String] = [:]) throws -> ProcessResult {
        let result = try Binaries.run("fieldsync-node", args, env: env)
        #expect(!result.stdout.contains(Self.password) && !result.stderr.contains(Self.password), "\(args.first ?? ""): the password was printed")
        return result
    }

    @Test func tokensAreMadeListedAndRevokedInTheCentralDatabase() async throws {
        let url = try await centralURL()
        let made = try node(["token", "create", "--postgres", url, "--role", "engineer", "--name", "E17"])
        #expect(made.status == 0, "\(made.stderr)")
        let token = made.stdout.trimmingCharacters(in: .newlines)
        #expect(token.hasPrefix("fs_") && token.count == 67 && !token.contains("\n"))
        // Through the environment variable too, and as JSON.
        let second = try node(["token", "create", "--role", "dispatcher", "--name", "desk-1", "--json"], env: ["FIELDSYNC_POSTGRES_URL": url])
        let json = try #require(second.object["token"] as? String)
        #expect(json.hasPrefix("fs_"))

        let listed = try node(["token", "list", "--postgres", url, "--json"])
        let rows = try #require(listed.json as? [[String: Any]])
        #expect(rows.compactMap { $0["name"] as? String } == ["E17", "desk-1"])
        #expect(!listed.stdout.contains(token) && !listed.stdout.contains(json))
        let id = try #require(rows.first?["id"] as? String)

        let revoked = try node(["token", "revoke", "--postgres", url, id])
        #expect(revoked.status == 0 && revoked.stdout.contains(id))
        let again = try node(["token", "revoke", "--postgres", url, id])
        #expect(again.status == 1 && again.stderr.hasPrefix("error: no active token") && again.stderr.split(separator: "\n").count == 1)
        let after = try #require(try node(["token", "list", "--postgres", url, "--json"]).json as? [[String: Any]])
        #expect(after.first?["revokedAt"] != nil)
    }

    @Test func aCentralThatCannotBeUsedIsOneLineWithoutThePassword() async throws {
        let url = try await centralURL()
        let closed = try LoopbackSocket.freePort()
        let cases: [[String]] = [
            ["token", "list", "--postgres", "postgres://postgres:\(Self.password)@127.0.0.1:99999/x"],
            ["token", "list", "--postgres", "mysql://postgres:\(Self.password)@127.0.0.1/x"],
            ["token", "list", "--postgres", "postgres://postgres:\(Self.password)@127.0.0.1:\(closed)/fieldsync"],
            ["token", "list", "--postgres", url + "_missing"],
            ["token", "list", "--postgres", url, "--data", "/tmp/never"],
            ["token", "create", "--postgres", url, "--role", "king", "--name", "E1"],
            ["token", "create", "--postgres", url, "--role", "engineer", "--name", "E1'; DROP TABLE tokens; --"],
        ]
        for args in cases {
            let r = try node(args)
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        }
        // Nothing was made by any of them.
        #expect((try node(["token", "list", "--postgres", url, "--json"]).json as? [[String: Any]])?.isEmpty == true)
    }

    /// The other admin commands both backends serve: an empty central says so.
    @Test func quarantineAndDevicesReadTheCentral() async throws {
        let url = try await centralURL()
        let quarantine = try node(["quarantine", "--postgres", url])
        #expect(quarantine.status == 0 && quarantine.stdout == "Quarantine is empty.\n", "\(quarantine.stderr)")
        let json = try node(["quarantine", "--postgres", url, "--json"])
        #expect((json.json as? [Any])?.isEmpty == true)
        let devices = try node(["devices", "--postgres", url, "--json"])
        #expect((devices.json as? [String: Any])?.isEmpty == true, "\(devices.stdout)")
    }
}
