import FieldClient
import Testing

/// A depot's link to its upstream (M8): one spelling per address, since the depot keeps its
/// sync state under it; hostile addresses and tokens refused.
@Suite struct UpstreamLinkTests {
    static let token = "fs_0123456789abcdef"

    @Test(arguments: [
        ("http://central.example:8080", "http://central.example:8080"),
        ("HTTP://Central.Example:8080/", "http://central.example:8080"),
        ("http://central.example:80", "http://central.example"),
        ("https://central.example:443/", "https://central.example"),
        ("https://central.example:8443/fieldsync/", "https://central.example:8443/fieldsync"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://[::1]:9000/", "http://[::1]:9000"),
        ("https://central.example/a%20b/", "https://central.example/a%20b"),
    ])
    func oneSpellingPerAddress(_ given: String, _ kept: String) throws {
        #expect(try NodeLink(upstream: given, token: Self.token).url == kept)
    }

    @Test(arguments: ["", "central.example", "ftp://central.example", "http://", "http:///path", "javascript:alert(1)", "http://[::1"])
    func refusesWhatIsNoNodeAddress(_ given: String) {
        #expect(throws: (any Error).self) { try NodeLink(upstream: given, token: Self.token) }
    }

    @Test(arguments: ["", "fs_", "token", " fs_short ", String(repeating: "x", count: 200)])
    func refusesWhatIsNoToken(_ token: String) {
        #expect(throws: (any Error).self) { try NodeLink(upstream: "http://central.example", token: token) }
    }
}
