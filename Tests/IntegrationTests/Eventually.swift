import FieldTestSupport
import Foundation
import Testing

/// Polls `check` every 200 ms for up to `seconds`; whether it came true.
func eventually(_ seconds: Double = 30, _ check: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try check() { return true }
        Thread.sleep(forTimeInterval: 0.2)
    }
    return try check()
}

/// `fieldsync-node stock levels --location LOCATION --json` of a store (`--data DIR` or
/// `--postgres URL`), as "PART EXPECTED" lines.
func stockLevels(at location: String, _ store: [String]) throws -> [String] {
    let r = try Binaries.run("fieldsync-node", ["stock", "levels", "--location", location, "--json"] + store)
    return try #require(r.status == 0 ? r.json as? [[String: Any]] : nil, "\(r.stderr)")
        .map { "\($0["part"] as? String ?? "?") \($0["expected"] as? String ?? "?")" }
}
