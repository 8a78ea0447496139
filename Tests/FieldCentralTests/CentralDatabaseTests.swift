import FieldCentral
import Testing

/// Reading a `--postgres` URL: what is accepted, what is refused and how, and that the
/// password never shows.
@Suite struct CentralDatabaseTests {
    @Test func aURLGivesItsPartsAndHidesThePassword() throws {
        let db = try CentralDatabase(url: "postgres://fs_node:s3cr%2Ft@db.example:6543/central?sslmode=require")
        #expect(db.host == "db.example" && db.port == 6543 && db.user == "fs_node" && db.database == "central" && db.requireTLS)
        #expect(db.description == "postgres://fs_node:***@db.example:6543/central?sslmode=require")
        #expect(!db.description.contains("s3cr") && !String(reflecting: db).contains("s3cr"))
        let plain = try CentralDatabase(url: "postgresql://127.0.0.1/fs")
        #expect(plain.port == 5432 && plain.user == "postgres" && !plain.requireTLS)
        #expect(plain.description == "postgres://postgres@127.0.0.1:5432/fs")
    }

    @Test(arguments: [
        "", "http://h/db", "postgres://", "postgres:///db", "postgres://h", "postgres://h/", "postgres://h/a/b",
        "postgres://h:0/db", "postgres://h:70000/db", "postgres://h:-1/db", "postgres://h:99999999999999999999/db",
        "postgres://u:pw@h/db?sslmode=verify-full", "postgres://u:pw@h/db?password=x", "postgres://u:pw@h/db?sslmode",
    ])
    func badURLsAreRefusedWithoutThePassword(_ url: String) {
        #expect {
            try CentralDatabase(url: url)
        } throws: { error in
            guard let error = error as? CentralError, error.code == .badURL else { return false }
            return !error.message.contains("pw") && error.message.contains("PostgreSQL")
        }
    }
}
